/**
 * A tiny zip reader for tests, independent of src/jobs/zip-writer.ts: central directory, local
 * headers, inflate, CRC-32 and data descriptors all checked.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  crc: number;
}

/** CRC-32 written again here (reflected table, Sarwate), to check the writer's own. */
const TABLE = Array.from({ length: 256 }, (_v, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? (n >>> 1) ^ 0xedb88320 : n >>> 1;
  return n >>> 0;
});
function testCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

export function readZip(buf: Buffer): ZipEntry[] {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'end of central directory found');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  let p = buf.readUInt32LE(eocd + 16);
  assert.equal(p + cdSize, eocd, 'central directory ends where the end record starts');
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory header signature');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    assert.equal(buf.readUInt32LE(local), 0x04034b50, `${name}: local header signature`);
    assert.equal(buf.toString('utf8', local + 30, local + 30 + buf.readUInt16LE(local + 26)), name);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    assert.equal(method, 8, `${name}: deflated`);
    const data = inflateRawSync(buf.subarray(start, start + csize));
    assert.equal(data.length, size, `${name}: size`);
    assert.equal(testCrc32(data), crc, `${name}: CRC-32`);
    // data descriptor right after the data repeats CRC and sizes
    const dd = start + csize;
    assert.equal(buf.readUInt32LE(dd), 0x08074b50, `${name}: data descriptor`);
    assert.deepEqual(
      [buf.readUInt32LE(dd + 4), buf.readUInt32LE(dd + 8), buf.readUInt32LE(dd + 12)],
      [crc, csize, size],
    );
    out.push({ name, data, crc });
  }
  return out;
}
