import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { crc32 as zlibCrc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

/**
 * CRC-32 (zip/PNG polynomial) of `bytes`, continuing from `crc` (0 to start): zlib's own (Node
 * ≥ 20.15), ten times faster than a lookup table in JavaScript (80 MB: 25 ms against 260 ms).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return zlibCrc32(bytes, crc);
}

const MAX_U32 = 0xffffffff;
// bit 3: sizes and CRC in a data descriptor after the data; bit 11: UTF-8 names
const FLAGS = 0x0808;
const DEFLATE = 8;
const VERSION = 20;
const READY = Promise.resolve();

interface Written {
  name: Buffer;
  offset: number;
  crc: number;
  compressed: number;
  size: number;
}

/**
 * A zip archive written as a stream to a file: one entry at a time, each deflated as it comes
 * (`zlib.createDeflateRaw`) with its CRC and sizes in a data descriptor, so memory stays flat
 * whatever the entry size. No ZIP64: an entry or the archive past 4 GB is refused.
 */
export class ZipWriter {
  private offset = 0;
  private readonly entries: Written[] = [];
  private current: ZipEntryWriter | null = null;
  private error: Error | null = null;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly out: WriteStream,
  ) {
    out.on('error', (e) => {
      this.error ??= e;
      this.current?.fail(e);
    });
  }

  /** Creates (or truncates) the file; rejects if it cannot be opened. */
  static async create(path: string): Promise<ZipWriter> {
    const out = createWriteStream(path);
    await once(out, 'open');
    return new ZipWriter(path, out);
  }

  /** Starts an entry; the previous one must be ended first. */
  entry(name: string): ZipEntryWriter {
    this.check();
    if (this.current) throw new Error(`zip entry "${this.current.name}" is not ended`);
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    writeDosTime(header, 10);
    // CRC and sizes (14..25) stay 0: they follow the data
    header.writeUInt16LE(nameBytes.length, 26);
    const offset = this.offset;
    this.write(Buffer.concat([header, nameBytes]));
    const waitForFile = () => once(this.out, 'drain').then(() => undefined);
    this.current = new ZipEntryWriter(
      name,
      (c) => this.write(c),
      waitForFile,
      (crc, compressed, size) => {
        if (compressed > MAX_U32 || size > MAX_U32) throw new Error(`zip entry "${name}" is over 4 GB`);
        const dd = Buffer.alloc(16);
        dd.writeUInt32LE(0x08074b50, 0);
        dd.writeUInt32LE(crc, 4);
        dd.writeUInt32LE(compressed, 8);
        dd.writeUInt32LE(size, 12);
        this.write(dd);
        this.entries.push({ name: nameBytes, offset, crc, compressed, size });
        this.current = null;
      },
    );
    return this.current;
  }

  /** Writes the central directory and closes the file. The current entry must be ended. */
  async close(): Promise<void> {
    this.check();
    if (this.current) throw new Error(`zip entry "${this.current.name}" is not ended`);
    this.closed = true;
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(VERSION, 4); // made by: MS-DOS, 2.0
      h.writeUInt16LE(VERSION, 6);
      h.writeUInt16LE(FLAGS, 8);
      h.writeUInt16LE(DEFLATE, 10);
      writeDosTime(h, 12);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE(e.offset, 42);
      this.write(Buffer.concat([h, e.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    if (this.entries.length > 0xffff) throw new Error('zip archive with more than 65535 entries');
    this.write(end);
    if (this.error) throw this.error;
    this.out.end();
    await finished(this.out);
    if (this.error) throw this.error;
  }

  /** Stops writing and deletes the file (after a failure elsewhere). */
  async abort(): Promise<void> {
    this.closed = true;
    this.current?.fail(new Error('zip writer aborted'));
    this.out.destroy();
    await rm(this.path, { force: true });
  }

  private check(): void {
    if (this.error) throw this.error;
    if (this.closed) throw new Error('zip writer is closed');
  }

  /** Appends to the file; returns false when the file stream asks to wait for 'drain'. */
  private write(chunk: Buffer): boolean {
    this.offset += chunk.length;
    if (this.offset > MAX_U32 && !this.error) {
      this.error = new Error('zip archive over 4 GB (ZIP64 is not supported)');
      this.current?.fail(this.error);
    }
    return this.out.write(chunk);
  }
}

/**
 * One entry being written: `write` deflates a chunk; await what it returns to let zlib and the
 * file catch up (the promise is already resolved unless one of them is behind). `end` flushes it.
 */
export class ZipEntryWriter {
  private crc = 0;
  private size = 0;
  private compressed = 0;
  private error: Error | null = null;
  private readonly deflate: DeflateRaw = createDeflateRaw({ level: 1, chunkSize: 256 * 1024 });

  constructor(
    readonly name: string,
    out: (chunk: Buffer) => boolean,
    waitForFile: () => Promise<void>,
    private readonly done: (crc: number, compressed: number, size: number) => void,
  ) {
    this.deflate.on('error', (e) => (this.error ??= e));
    this.deflate.on('data', (c: Buffer) => {
      this.compressed += c.length;
      if (!out(c) && !this.deflate.isPaused()) {
        // the file is behind: stop reading zlib's output, so that zlib stops taking input
        this.deflate.pause();
        waitForFile().then(
          () => this.deflate.resume(),
          (e: Error) => this.fail(e),
        );
      }
    });
  }

  /** Deflates `data` (strings are written as UTF-8). */
  write(data: string | Buffer): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!bytes.length) return READY;
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    return this.deflate.write(bytes) ? READY : once(this.deflate, 'drain').then(() => undefined);
  }

  /** Flushes the entry and writes its data descriptor. */
  async end(): Promise<void> {
    if (this.error) throw this.error;
    const ended = once(this.deflate, 'end');
    this.deflate.end();
    await ended;
    this.done(this.crc, this.compressed, this.size);
  }

  /** Makes pending and future writes reject with `e` (the file failed). */
  fail(e: Error): void {
    this.deflate.destroy(e);
  }
}

/** Writes a fixed DOS time and date, 1980-01-01 00:00, so that archives are reproducible. */
function writeDosTime(buf: Buffer, at: number): void {
  buf.writeUInt16LE(0, at);
  buf.writeUInt16LE((1 << 5) | 1, at + 2);
}
