import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ResultsWorkbook,
  resultCopyBytes,
  resultRowsOfCopy,
  storedRowOf,
  RESULT_COPY_COLUMNS,
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
/** The COPY text of a job's rows, as the database reads it. */
const copyText = (jobId: string, set: readonly BulkResult[]) => resultCopyBytes(jobId, set).toString('utf8');

test('the workbook written on the worker is the one written in-process from the same rows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batid-live-test-'));
  try {
    const live = await LiveResultsXlsx.start(HEADER);
    // chunks as a job sends them, more than the worker's queue holds at once
    for (let i = 0; i < rows.length; i += 300)
      await live.add(resultCopyBytes('job1', rows.slice(i, i + 300)));
    const bytes = await live.finish((path) => readFile(path));
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');

    const path = join(dir, 'direct.xlsx');
    const book = await ResultsWorkbook.create(path, HEADER);
    await book.add(resultRowsOfCopy(resultCopyBytes('job1', rows)));
    await book.close();
    assert.ok(bytes.equals(await readFile(path)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('COPY text of results reads back to the same values', () => {
  const back = parseCopyText(copyText('job1', rows.slice(0, 20))).map((f) => {
    assert.equal(f.length, RESULT_COPY_COLUMNS.length);
    assert.equal(f[0], 'job1');
    return storedRowOf([...f.slice(1), null]);
  });
  back.forEach((r, i) => assert.deepEqual(r, { ...rows[i], change: null }));
  assert.deepEqual(resultRowsOfCopy(resultCopyBytes('job1', rows.slice(0, 20))), back);
});

test('COPY bytes read back to the rows, however long the lines (the buffer grows)', () => {
  // lines far longer than the first estimate (512 bytes a row), in 2- and 3-byte characters
  const long = rows.slice(0, 30).map((r, i) => ({ ...r, label: `${i} ${'é€'.repeat(2000 + i * 50)}` }));
  for (const set of [rows.slice(0, 200), long, []]) {
    const bytes = resultCopyBytes('job1', set);
    assert.deepEqual(
      resultRowsOfCopy(bytes),
      set.map((r) => ({ ...r, change: null })),
    );
    assert.equal(bytes.toString('utf8').split('\n').length, set.length + 1);
  }
});

test('storedRowOf reads the columns in STORED_COLUMNS order, each into its own key', () => {
  // every field a value no other field of the row has, booleans of each row set apart
  const a: BulkResult = { ...result(1), eligible: true, in_pdp: false, untraced: null, distance_m: 7 };
  const b: BulkResult = { ...result(2), eligible: false, in_pdp: null, untraced: true, distance_m: 8 };
  for (const r of [a, b]) {
    const [f] = parseCopyText(copyText('job1', [r]));
    const back = storedRowOf([...f!.slice(1), 'changed']);
    assert.deepEqual(Object.keys(back), STORED_COLUMNS);
    assert.deepEqual(back, { ...r, change: 'changed' });
    // read after the job id
    assert.deepEqual(resultRowsOfCopy(resultCopyBytes('job1', [r])), [{ ...back, change: null }]);
  }
});

test('storedRows reads every page of rows back, each row from its own fields', async () => {
  // a database that answers the page after `row_no > $2` from COPY text, as copyOut does
  const lines = parseCopyText(copyText('job1', rows.slice(0, 45))).map((f) => [...f.slice(1), null]);
  const asked: number[] = [];
  const db = {
    copyOut: async (_sql: string, params: readonly unknown[]) => {
      const after = params[1] as number;
      asked.push(after);
      return lines.filter((f) => Number(f[0]) > after).slice(0, 20);
    },
  } as unknown as Store;
  const pages: StoredRow[][] = [];
  for await (const page of storedRows(db, 'job1', 20)) pages.push(page);
  assert.deepEqual(
    pages.map((p) => p.length),
    [20, 20, 5],
  );
  assert.deepEqual(asked, [-1, 19, 39, 44]);
  assert.deepEqual(
    pages.flat(),
    rows.slice(0, 45).map((r) => ({ ...r, change: null })),
  );
});

test('a worker that fails makes finish reject, and add no longer waits on it', async () => {
  const live = await LiveResultsXlsx.start(HEADER);
  // the fields column is not JSON: the worker cannot read the row
  const bad = Buffer.from(copyText('job1', rows.slice(0, 3)).replace('["R0"', '{R0'));
  await live.add(bad);
  for (let i = 0; i < 10; i++) await live.add(resultCopyBytes('job1', rows.slice(0, 10)));
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

test('the file handed to finish is gone once its user is done', async () => {
  const live = await LiveResultsXlsx.start(HEADER);
  await live.add(resultCopyBytes('job1', rows.slice(0, 100)));
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
    await book.add(rows.slice(0, 25).map((r) => ({ ...r, change: null })));
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
  const bytes = resultCopyBytes('job1', rows);
  const adding = (async () => {
    for (let i = 0; i < 20; i++) await live.add(bytes);
  })();
  await new Promise((r) => setTimeout(r, 5));
  await live.abort();
  await adding;
  await live.abort();
});
