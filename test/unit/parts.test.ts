import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../../src/store/store.js';
import { readParts, writeParts } from '../../src/jobs/parts.js';

/** A table of parts in memory behind a Queryable whose statements end in a shuffled order. */
function fakeDb(o: { failOnPart?: number } = {}) {
  const rows = new Map<number, string>();
  let running = 0;
  let most = 0;
  const db: Queryable = {
    async query<T>(sql: string, params?: readonly unknown[]) {
      running++;
      most = Math.max(most, running);
      try {
        await sleep(1 + ((Number(params![1]) * 7) % 5));
        const part = Number(params![1]);
        if (sql.startsWith('INSERT')) {
          if (part === o.failOnPart) throw new Error(`part ${part} refused`);
          rows.set(part, params![2] as string);
          return [] as T[];
        }
        const b64 = rows.get(part);
        return (b64 === undefined ? [] : [{ b64 }]) as T[];
      } finally {
        running--;
      }
    },
    async exec() {},
  };
  return {
    db,
    rows,
    most: () => most,
    running: () => running,
    reset: () => {
      most = 0;
    },
  };
}

test('parts go in side by side and come back in order, whatever order their statements end in', async () => {
  const file = Buffer.alloc((5 << 20) + 123);
  for (let i = 0; i < file.length; i++) file[i] = (i * 31) % 251;
  const f = fakeDb();
  assert.equal(await writeParts(f.db, 'jobs.result_file_part', 'j1', file), 6);
  assert.ok(f.most() > 1 && f.most() <= 3, `${f.most()} writes at once`);
  f.reset();
  const back: Buffer[] = [];
  for await (const b of readParts(f.db, 'jobs.result_file_part', 'j1', 6)) back.push(b);
  assert.ok(Buffer.concat(back).equals(file));
  assert.ok(f.most() > 1 && f.most() <= 3, `${f.most()} reads at once`);
  assert.equal(f.running(), 0);
  // a consumer that stops early (a client gone) leaves no read running
  for await (const b of readParts(f.db, 'jobs.result_file_part', 'j1', 6)) {
    assert.equal(b.length, 1 << 20);
    break;
  }
  assert.equal(f.running(), 0);
});

test('a file that cannot be read fails the write after the parts in flight have settled', async () => {
  const f = fakeDb();
  let reads = 0;
  // a FileHandle whose third read fails
  const file = {
    read: async (buf: Buffer, offset: number, length: number) => {
      if (++reads === 3) throw new Error('EIO: read failed');
      buf.fill(7, offset, offset + length);
      return { bytesRead: length, buffer: buf };
    },
  } as unknown as import('node:fs/promises').FileHandle;
  await assert.rejects(writeParts(f.db, 'jobs.result_file_part', 'j3', file), /EIO/);
  assert.equal(f.running(), 0);
  assert.deepEqual([...f.rows.keys()].sort(), [0, 1]);
});

test('a refused part fails the write once the parts in flight have settled; a missing part fails the read', async () => {
  const f = fakeDb({ failOnPart: 2 });
  await assert.rejects(
    writeParts(f.db, 'jobs.result_file_part', 'j2', Buffer.alloc(6 << 20)),
    /part 2 refused/,
  );
  assert.equal(f.running(), 0);
  const read = async () => {
    for await (const _ of readParts(f.db, 'jobs.result_file_part', 'j2', 4)) void _;
  };
  await assert.rejects(read(), /part 2 of jobs.result_file_part is gone/);
  assert.equal(f.running(), 0);
});
