import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../src/store/store.js';
import { readParts, writeParts } from '../../src/jobs/parts.js';

/**
 * A table of parts in memory behind a store whose statements end in a shuffled order. As the
 * real backends do: embedded, a part comes as base64 text; on a server, as a binary parameter —
 * kept as given (not copied), so a buffer the writer reused would show here.
 */
function fakeDb(o: { failOnPart?: number; kind?: Store['kind'] } = {}) {
  const kind = o.kind ?? 'embedded';
  const rows = new Map<number, string | Buffer>();
  let running = 0;
  let most = 0;
  const db = {
    kind,
    location: 'fake',
    async query<T>(sql: string, params?: readonly unknown[]) {
      running++;
      most = Math.max(most, running);
      try {
        await sleep(1 + ((Number(params![1]) * 7) % 5));
        const part = Number(params![1]);
        if (sql.startsWith('INSERT')) {
          if (part === o.failOnPart) throw new Error(`part ${part} refused`);
          const bytes = params![2];
          assert.ok(
            kind === 'postgres' ? Buffer.isBuffer(bytes) : typeof bytes === 'string',
            `${kind}: a part as ${kind === 'postgres' ? 'bytes' : 'base64 text'}`,
          );
          assert.match(sql, kind === 'postgres' ? /VALUES \(\$1, \$2, \$3\)/ : /decode\(\$3, 'base64'\)/);
          rows.set(part, bytes as string | Buffer);
          return [] as T[];
        }
        const stored = rows.get(part);
        if (stored === undefined) return [] as T[];
        return [{ b64: typeof stored === 'string' ? stored : stored.toString('base64') }] as T[];
      } finally {
        running--;
      }
    },
    async exec() {},
  } as unknown as Store;
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

for (const kind of ['embedded', 'postgres'] as const)
  test(`${kind}: parts go in side by side and come back in order, whatever order their statements end in`, async () => {
    const file = Buffer.alloc((5 << 20) + 123);
    for (let i = 0; i < file.length; i++) file[i] = (i * 31) % 251;
    const f = fakeDb({ kind });
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

test('postgres: the parts of an open file each keep their own bytes while in flight', async () => {
  const f = fakeDb({ kind: 'postgres' });
  const size = (3 << 20) + 5;
  // a FileHandle whose every byte says which part it belongs to
  const file = {
    read: async (buf: Buffer, offset: number, length: number, position: number) => {
      const n = Math.max(0, Math.min(length, size - position));
      for (let i = 0; i < n; i++) buf[offset + i] = 1 + Math.floor((position + i) / (1 << 20));
      return { bytesRead: n, buffer: buf };
    },
  } as unknown as import('node:fs/promises').FileHandle;
  assert.equal(await writeParts(f.db, 'jobs.result_file_part', 'j4', file), 4);
  for (const [part, bytes] of f.rows) {
    assert.ok(Buffer.isBuffer(bytes));
    assert.equal(bytes.length, part < 3 ? 1 << 20 : 5);
    assert.ok(
      bytes.every((b) => b === part + 1),
      `part ${part} holds its own bytes`,
    );
  }
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
