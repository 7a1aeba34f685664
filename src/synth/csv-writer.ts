import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ColumnDef } from '../ingest/catalog/types.js';

const GDAL_TYPES: Record<ColumnDef['type'], string> = {
  text: 'String',
  integer: 'Integer',
  bigint: 'Integer64',
  double: 'Real',
  boolean: 'Integer(Boolean)',
  date: 'Date',
  jsonb: 'String',
  geometry: 'WKT',
};

/** Export layout of one table: the geometry first, named `WKT`, then the other columns in order. */
export function exportColumns(columns: ColumnDef[]): ColumnDef[] {
  const geom = columns.filter((c) => c.type === 'geometry').slice(0, 1);
  return [...geom, ...columns.filter((c) => !geom.includes(c))];
}

export function headerLine(columns: ColumnDef[]): string {
  return `${columns.map((c, i) => (i === 0 && c.type === 'geometry' ? 'WKT' : c.name)).join(',')}\n`;
}

export function csvtLine(columns: ColumnDef[]): string {
  return `${columns.map((c) => `"${GDAL_TYPES[c.type]}"`).join(',')}\n`;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** One field as the BDNB exports write it: codes and flags quoted, numbers bare, WKT and lists quoted. */
export function field(c: ColumnDef, v: string | number | boolean | null): string {
  if (v === null || v === undefined || v === '') return '';
  switch (c.type) {
    case 'boolean':
      return v ? '"1"' : '"0"';
    case 'geometry':
    case 'jsonb':
      return quote(String(v));
    case 'text': {
      const s = String(v);
      return /^[\d.]+$/.test(s) || /[",\n\r]/.test(s) ? quote(s) : s;
    }
    default:
      return String(v);
  }
}

/** Buffered file writer with backpressure. */
export class CsvOut {
  private readonly out: WriteStream;
  private buf: string[] = [];
  private size = 0;
  rows = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  async line(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const ok = this.out.write(this.buf.join(''));
    this.buf = [];
    this.size = 0;
    if (!ok) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) =>
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}
