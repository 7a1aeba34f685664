import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export type Severity = 'rejected' | 'duplicate' | 'warning';

export interface RejectEntry {
  file: string;
  line: number | null;
  column: number | null;
  severity: Severity;
  reason: string;
  raw: string;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The rejects file: one CSV line per rejected row, merged duplicate or warning, with where and why. */
export class RejectWriter {
  private out: WriteStream | null = null;
  private opened = false;

  constructor(readonly path: string) {}

  async add(e: RejectEntry): Promise<void> {
    if (!this.out) {
      this.out = createWriteStream(this.path, { encoding: 'utf8' });
      this.opened = true;
      this.out.write('file,line,column,severity,reason,raw\n');
    }
    const line = [e.file, e.line ?? '', e.column ?? '', e.severity, e.reason, e.raw].map((v) =>
      csvField(String(v)),
    );
    if (!this.out.write(`${line.join(',')}\n`)) await once(this.out, 'drain');
  }

  get written(): boolean {
    return this.opened;
  }

  async close(): Promise<void> {
    if (!this.out) return;
    const out = this.out;
    this.out = null;
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}
