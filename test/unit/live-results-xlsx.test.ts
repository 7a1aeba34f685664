import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ResultsWorkbook,
  CHUNK_COPY_COLUMNS,
  chunkCopy,
  resultChunk,
  rowsOfBody,
  storedRowOf,
  STORED_COLUMNS,
  storedRows,
  type StoredRow,
} from '../../src/jobs/bulk-results.js';
import type { Store } from '../../src/store/store.js';
import { LiveResultsXlsx } from '../../src/jobs/live-results-xlsx.js';
import type { BulkResult } from '../../src/networks/bulk-eligibility.js';
import { parseCopyText } from '../../src/store/copy-text.js';
import { sheetCells } from '../helpers/read-xlsx.js';
import { readZip } from '../helpers/read-zip.js';

function result(i: number): BulkResult {
  const ok = i % 7 !== 3;
  return {
    row_no: i,
    line: i + 2,
    fields: [`R${i}`, `${i} rue de l’Église\tbis`, i % 2 ? 'a;b' : '"q"'],
    input: `${i} rue de l’Église`,
    status: ok ? 'ok' : 'not_geocoded',
    reason: ok ? null : 'adresse introuvable',
    label: ok ? `${i} Rue de l’Église 03000 Moulins` : null,
    score: ok ? 0.5 + (i % 50) / 100 : null,
    lon: ok ? 3.33 + i / 1e5 : null,
    lat: ok ? 46.56 : null,
    citycode: ok ? '03190' : null,
    batid: ok ? 'ABCDEFGHJKMN' : null,
    installation: ok && i % 3 ? 'collectif' : null,
    energy: ok ? 'gaz' : null,
    type: ok ? 'reseau_existant_proche' : null,
    eligible: ok ? i % 2 === 0 : null,
    distance_m: ok ? i % 300 : null,
    id_fcu: ok ? 12 : null,
    sncu_id: ok ? '0301C' : null,
    network_name: ok ? 'Réseau de Moulins' : null,
    operator: ok ? 'Dalkia' : null,
    enrr_rate: ok ? 61.5 : null,
    co2_acv: ok ? 0.117 : null,
    in_pdp: ok ? i % 5 === 0 : null,
    existing_status: ok ? 'Oui' : null,
    future_status: ok ? 'Non' : null,
    untraced: ok ? false : null,
    networks_version: 4,
  };
}

const HEADER = ['ref', 'adresse', 'note'];
const rows = Array.from({ length: 2500 }, (_v, i) => result(i));
/** A chunk's body, as a job stores it and sends it to its workbook's worker. */
const body = (set: readonly BulkResult[]) => resultChunk(set).body;
/** A chunk's body as the job hands it to the worker. */
const bodyBytes = (set: readonly BulkResult[]) => Buffer.from(body(set), 'utf8');
/** A row as read back before any re-test. */
const stored = (r: BulkResult): StoredRow => ({ ...r, previous_type: null, change: null, changed_at: null });

test('the workbook written on the worker is the one written in-process from the same rows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batid-live-test-'));
  try {
    const live = await LiveResultsXlsx.start(HEADER);
    // chunks as a job sends them, more than the worker's queue holds at once
    for (let i = 0; i < rows.length; i += 300) await live.add(bodyBytes(rows.slice(i, i + 300)));
    const bytes = await live.finish((path) => readFile(path));
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');

    const path = join(dir, 'direct.xlsx');
    const book = await ResultsWorkbook.create(path, HEADER);
    await book.add(rowsOfBody(body(rows)));
    await book.close();
    assert.ok(bytes.equals(await readFile(path)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a chunk’s body reads back to the same rows, whatever their characters', () => {
  const odd = rows.slice(0, 30).map((r, i) => ({
    ...r,
    fields: [`a\tb\n"c"\\d`, `${'é€'.repeat(200 + i)} 😀`, ''],
    label: r.label === null ? null : `${r.label} \u2028 ; "x"`,
  }));
  // found as written (its input left out of the body), by lon/lat (no label), re-tested
  const more: (BulkResult & Partial<StoredRow>)[] = [
    { ...rows[0]!, input: rows[0]!.label },
    { ...rows[1]!, input: '3.3, 46.5', label: null },
    { ...rows[2]!, input: null, status: 'invalid', label: null, reason: 'ni adresse ni coordonnées' },
    {
      ...rows[4]!,
      previous_type: 'trop_eloigne',
      change: 'trop_eloigne → reseau_existant_proche',
      changed_at: '2026-12-04T10:00:00Z',
    },
    { ...rows[5]!, change: 'x' },
  ];
  for (const set of [rows.slice(0, 200), odd, more])
    assert.deepEqual(
      rowsOfBody(body(set)),
      set.map((r) => ({ ...stored(r), ...r })),
    );
  const [asWritten, lonLat] = JSON.parse(body(more)) as unknown[][];
  assert.equal(asWritten![3], null, 'the input of a row found as written: its label');
  assert.equal(asWritten!.length, 28, 'nothing after the networks version before a re-test');
  assert.equal(lonLat![3], '3.3, 46.5');
  assert.throws(() => resultChunk([]), RangeError);
});

test('a chunk counts its rows by status, its eligible rows and its changes', () => {
  const set = rows.slice(0, 70);
  const c = resultChunk(set);
  assert.deepEqual(
    { ...c, body: undefined },
    {
      firstRow: 0,
      rows: 70,
      tested: set.filter((r) => r.status === 'ok').length,
      notGeocoded: set.filter((r) => r.status === 'not_geocoded').length,
      invalid: 0,
      eligible: set.filter((r) => r.eligible).length,
      changed: 0,
      networksVersion: 4,
      body: undefined,
    },
  );
  assert.equal(c.tested + c.notGeocoded, 70);
  assert.ok(c.tested > 0 && c.notGeocoded > 0 && c.eligible > 0);
  // a re-tested chunk: its found rows decided on version 5, one changed; the others keep theirs
  const retested = set
    .slice(0, 10)
    .map((r, i) =>
      r.status === 'ok' ? { ...stored(r), networks_version: 5, change: i === 1 ? 'x → y' : null } : stored(r),
    );
  const r = resultChunk([...retested, { ...stored(set[10]!), status: 'invalid', networks_version: 2 }]);
  assert.equal(r.networksVersion, 5, 'the oldest version of its found rows');
  assert.equal(r.changed, 1);
  assert.equal(r.invalid, 1);
  assert.equal(resultChunk([{ ...stored(set[3]!), networks_version: 2 }]).networksVersion, 2, 'none found');
});

test('a chunk as a COPY line reads back to its columns and its body, backslashes or not', () => {
  const quoted = rows.slice(0, 5).map((r) => ({ ...r, fields: ['"guillemets" \\ et \\n'] }));
  const plain = rows.slice(0, 50).map((r) => ({ ...r, fields: [`R${r.row_no}`, 'Église ; « ici »'] }));
  for (const set of [plain, quoted]) {
    const c = resultChunk(set);
    const { line, body: own } = chunkCopy('job\t1', c);
    assert.equal(own.toString('utf8'), c.body);
    assert.equal(c.body.includes('\\'), set === quoted);
    const [f, ...more] = parseCopyText(line.toString('utf8'));
    assert.equal(more.length, 0);
    assert.deepEqual(f, [
      'job\t1',
      ...[
        c.firstRow,
        c.rows,
        c.tested,
        c.notGeocoded,
        c.invalid,
        c.eligible,
        c.changed,
        c.networksVersion,
      ].map(String),
      c.body,
    ]);
    assert.equal(f!.length, CHUNK_COPY_COLUMNS.length);
    assert.deepEqual(rowsOfBody(f![9]!), set.map(stored));
  }
});

test('storedRowOf reads the entries in STORED_COLUMNS order, each into its own key', () => {
  // every field a value no other field of the row has, booleans of each row set apart
  const a: BulkResult = { ...result(1), eligible: true, in_pdp: false, untraced: null, distance_m: 7 };
  const b: BulkResult = { ...result(2), eligible: false, in_pdp: null, untraced: true, distance_m: 8 };
  for (const r of [a, b]) {
    const [array] = JSON.parse(body([r])) as unknown[][];
    // what a re-test sets is left out until it sets something
    assert.equal(array!.length, STORED_COLUMNS.length - 3);
    const back = storedRowOf([...array!, 'était', 'changed', '2026-12-04T10:00:00Z']);
    assert.deepEqual(Object.keys(back), STORED_COLUMNS);
    assert.deepEqual(back, {
      ...r,
      previous_type: 'était',
      change: 'changed',
      changed_at: '2026-12-04T10:00:00Z',
    });
    assert.deepEqual(rowsOfBody(body([r])), [stored(r)]);
  }
});

test('storedRows reads every chunk of every page back, in order', async () => {
  // a database that answers the page of chunks after `first_row > $2`
  const chunks = [0, 20, 40].map((at) => ({
    first_row: at,
    body: body(rows.slice(at, Math.min(at + 20, 45))),
  }));
  const asked: number[] = [];
  const db = {
    query: async (_sql: string, params: readonly unknown[]) => {
      const after = params[1] as number;
      asked.push(after);
      return chunks.filter((c) => c.first_row > after).slice(0, 2);
    },
  } as unknown as Store;
  const pages: StoredRow[][] = [];
  for await (const page of storedRows(db, 'job1', 2)) pages.push(page);
  assert.deepEqual(
    pages.map((p) => p.length),
    [20, 20, 5],
  );
  assert.deepEqual(asked, [-1, 20, 40]);
  assert.deepEqual(pages.flat(), rows.slice(0, 45).map(stored));
});

test('a worker that fails makes finish reject, and add no longer waits on it', async () => {
  const live = await LiveResultsXlsx.start(HEADER);
  // a body that is not JSON: the worker cannot read the rows
  await live.add(Buffer.from(body(rows.slice(0, 3)).replace('["R0"', '{R0')));
  for (let i = 0; i < 10; i++) await live.add(bodyBytes(rows.slice(0, 10)));
  let used = false;
  await assert.rejects(
    live.finish(async () => {
      used = true;
    }),
    /results workbook: .*JSON/s,
  );
  assert.equal(used, false);
  assert.ok(live.error);
});

test('one worker writes one workbook after another; one that failed or was aborted is not kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batid-live-test-'));
  const direct = async (header: string[], set: BulkResult[]) => {
    const path = join(dir, `direct-${header.length}-${set.length}.xlsx`);
    const book = await ResultsWorkbook.create(path, header);
    await book.add(rowsOfBody(body(set)));
    await book.close();
    return readFile(path);
  };
  const write = async (header: string[], set: BulkResult[]) => {
    const live = await LiveResultsXlsx.start(header);
    assert.equal(LiveResultsXlsx.workerKept, false, 'the kept worker is taken');
    for (let i = 0; i < set.length; i += 40) await live.add(bodyBytes(set.slice(i, i + 40)));
    return live.finish((path) => readFile(path));
  };
  try {
    const first = await write(HEADER, rows.slice(0, 90));
    assert.equal(LiveResultsXlsx.workerKept, true);
    const second = await write(['x'], rows.slice(100, 130));
    assert.equal(LiveResultsXlsx.workerKept, true);
    assert.ok(first.equals(await direct(HEADER, rows.slice(0, 90))));
    assert.ok(second.equals(await direct(['x'], rows.slice(100, 130))));

    const failing = await LiveResultsXlsx.start(HEADER);
    await failing.add(Buffer.from('{not json'));
    await assert.rejects(
      failing.finish(async () => undefined),
      /results workbook: .*JSON/s,
    );
    assert.equal(LiveResultsXlsx.workerKept, false);
    const aborted = await LiveResultsXlsx.start(HEADER);
    await aborted.add(bodyBytes(rows.slice(0, 10)));
    await aborted.abort();
    assert.equal(LiveResultsXlsx.workerKept, false);
    // the next workbook gets a new worker, which is kept in turn
    assert.ok((await write(HEADER, rows.slice(0, 90))).equals(first));
    assert.equal(LiveResultsXlsx.workerKept, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the file handed to finish is gone once its user is done', async () => {
  const live = await LiveResultsXlsx.start(HEADER);
  await live.add(bodyBytes(rows.slice(0, 100)));
  const path = await live.finish(async (p) => {
    assert.equal((await readFile(p)).subarray(0, 2).toString(), 'PK');
    return p;
  });
  await assert.rejects(readFile(path), { code: 'ENOENT' });
});

test('past the rows a sheet holds, the results go on in « Résultats (2) », « Résultats (3) », same header', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batid-live-test-'));
  try {
    const path = join(dir, 'sheets.xlsx');
    const book = await ResultsWorkbook.create(path, HEADER, { rowsPerSheet: 10 });
    await book.add(rows.slice(0, 25).map(stored));
    await book.close();
    const entries = new Map(readZip(await readFile(path)).map((e) => [e.name, e.data.toString('utf8')]));
    const workbook = entries.get('xl/workbook.xml')!;
    assert.deepEqual(
      [...workbook.matchAll(/<sheet name="([^"]+)"/g)].map((m) => m[1]),
      ['Résultats', 'Résultats (2)', 'Résultats (3)', 'Légende'],
    );
    const refs = (n: number) =>
      [...sheetCells(entries.get(`xl/worksheets/sheet${n}.xml`)!)]
        .filter(([ref]) => /^A\d+$/.test(ref))
        .map(([ref, c]) => `${ref.slice(1)}:${c.v}`);
    assert.deepEqual(refs(1), ['1:ref', ...Array.from({ length: 10 }, (_v, i) => `${i + 2}:R${i}`)]);
    assert.deepEqual(refs(2), ['1:ref', ...Array.from({ length: 10 }, (_v, i) => `${i + 2}:R${i + 10}`)]);
    assert.deepEqual(refs(3), ['1:ref', ...Array.from({ length: 5 }, (_v, i) => `${i + 2}:R${i + 20}`)]);
    assert.match(entries.get('xl/worksheets/sheet4.xml')!, /continuent sur la feuille/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sheet holds 1 to 1,048,575 data rows', async () => {
  for (const n of [0, 1_048_576, 2.5])
    await assert.rejects(
      ResultsWorkbook.create(join(tmpdir(), 'never.xlsx'), HEADER, { rowsPerSheet: n }),
      RangeError,
    );
});

test('abort while add() waits for the worker: add returns, nothing is left behind', async () => {
  const live = await LiveResultsXlsx.start(HEADER);
  const adding = (async () => {
    for (let i = 0; i < 20; i++) await live.add(bodyBytes(rows));
  })();
  await new Promise((r) => setTimeout(r, 5));
  await live.abort();
  await adding;
  await live.abort();
});
