import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { slimParsers } from '../../src/store/pglite-store.js';

describe('embedded store: PGlite parser table slimmed at open', () => {
  let dir: string;
  let db: PGlite;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batid-parsers-'));
    // a database with many tables: PGlite registers an array parser for each row type at open
    const first = await PGlite.create(dir);
    for (let i = 0; i < 150; i++) await first.exec(`CREATE TABLE t${i} (a int)`);
    await first.close();
    db = await PGlite.create(dir);
  });
  after(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the row-type arrays go, the rest moves to the defaults: arrays of base types still parse, array parameters still bind', async () => {
    const before = Object.keys(db.parsers).length;
    assert.ok(before > 250, `${before} parsers before`);
    await slimParsers(db);
    // nothing left for parseResults to copy at every query
    assert.deepEqual(Object.keys(db.parsers), []);
    const [row] = (
      await db.query<Record<string, unknown>>(
        `SELECT ARRAY['x', 'é']::text[] AS t, ARRAY[1, 2]::int4[] AS i, ARRAY[3]::int8[] AS l, ARRAY[1.5]::float8[] AS f,
                ARRAY[true, false] AS b, ARRAY['ab']::varchar[] AS v, $1::float8[] AS p, $2::text[] AS q`,
        [
          [2.5, 3],
          ['a', 'b"c'],
        ],
      )
    ).rows;
    assert.deepEqual(row, {
      t: ['x', 'é'],
      i: [1, 2],
      l: [3],
      f: [1.5],
      b: [true, false],
      v: ['ab'],
      p: [2.5, 3],
      q: ['a', 'b"c'],
    });
    // the same through exec (the simple protocol, as Store.prepared runs EXECUTE)
    const [res] = await db.exec(
      `SELECT ARRAY[1, 2]::int4[] AS i, 7::int8 AS l, '{"a": [1]}'::jsonb AS j, true AS b, 1.5::float8 AS f`,
    );
    assert.deepEqual(res!.rows, [{ i: [1, 2], l: 7, j: { a: [1] }, b: true, f: 1.5 }]);
  });
});
