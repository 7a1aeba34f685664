/** Progress of long work: a redrawn bar on a TTY, a plain line every 10% otherwise. */
export class Progress {
  private lastPct = -1;
  private lastLabel = '';
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    tty?: boolean,
    /** what done/total count: bytes (shown in MB, plain lines past 8 MB) or rows */
    private readonly unit: 'bytes' | 'rows' = 'bytes',
  ) {
    this.tty = tty ?? !!out.isTTY;
  }

  update(label: string, done: number, total: number): void {
    if (label !== this.lastLabel) {
      this.lastLabel = label;
      this.lastPct = -1;
      this.lastDraw = 0;
    }
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && pct !== 100) return;
      this.lastDraw = now;
      const width = 30;
      const full = Math.round((pct / 100) * width);
      const mb = (n: number) => (n / 1048576).toFixed(1);
      const amount =
        this.unit === 'rows'
          ? `${done.toLocaleString('fr-FR')}/${total.toLocaleString('fr-FR')} lignes`
          : `${mb(done)}/${mb(total)} MB`;
      this.out.write(`\r\x1b[2K${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${pct}% ${amount}`);
    } else if (this.unit === 'rows' || total > 8 << 20) {
      const step = Math.floor(pct / 10) * 10;
      if (step > this.lastPct && step > 0 && step < 100) {
        this.lastPct = step;
        this.out.write(`${label}: ${step}%\n`);
      }
    }
  }

  /** Clears the bar so that the next line prints cleanly. */
  done(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }
}
