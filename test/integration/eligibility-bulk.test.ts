import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import {
  resultCounts,
  STORED_COLUMNS,
  storedRows,
  writeResultsXlsx,
  type StoredRow,
} from '../../src/jobs/bulk-results.js';
import { runEligibilityJob } from '../../src/jobs/eligibility-job.js';
import { storeResultXlsx, storedResult, storedResultStream } from '../../src/jobs/result-file.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { jobFileSize, jobFilesDir, sweepJobFiles } from '../../src/jobs/job-files.js';
import { claimJob, createEligibilityJob, jobInfo, jobInput } from '../../src/jobs/job-store.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';
import { proKey } from '../helpers/pro-key.js';

/** Splits our `;` CSV (quotes doubled) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ';' || c === '\n') {
      row.push(f);
      f = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else if (c !== '\r') f += c;
  }
  return rows;
}

for (const make of backends()) {
  describe(`bulk eligibility jobs [${make().name}]`, () => {
    const pro = proKey();
    let db: SyntheticDb;
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let layers: string[];
    let labels: string[];
    let inPdp: string[];
    before(async () => {
      db = await syntheticDb(make, { app: { logLevel: 'silent' } });
      ({ backend, store, app } = db);
      await pro.make(store);
      layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
      await importNetworks(store, layers);
      labels = (
        await store.query<{ label: string }>(
          `SELECT libelle_adresse AS label FROM bdnb.adresse ORDER BY cle_interop_adr LIMIT 60`,
        )
      ).map((r) => r.label);
      inPdp = (
        await store.query<{ label: string }>(
          `SELECT a.libelle_adresse AS label FROM bdnb.adresse a JOIN fcu.network p ON p.layer = 'pdp' AND ST_Intersects(p.geom, a.geom_adresse)
            ORDER BY a.cle_interop_adr LIMIT 5`,
        )
      ).map((r) => r.label);
      assert.equal(inPdp.length, 5);
    });
    after(async () => db?.close());

    const waitDone = async (a: FastifyInstance, id: string) => {
      for (let i = 0; i < 300; i++) {
        const j = (await a.inject(pro.with({ url: `/v1/jobs/${id}` }))).json();
        if (j.status === 'done' || j.status === 'failed') return j;
        await new Promise((ok) => setTimeout(ok, 100));
      }
      throw new Error(`job ${id} did not finish`);
    };

    /** The workbook kept with a job, as the download route sends it; null without one. */
    const storedResultXlsx = async (_s: Store, id: string) => {
      const f = await storedResult(store, id);
      return f ? buffer(storedResultStream(store, id, f)) : null;
    };
    const rebuilt = async (id: string) => {
      const path = join(db.dir, `rebuilt-${id}.xlsx`);
      await writeResultsXlsx(store, id, path);
      return readFile(path);
    };

    let jobId: string;
    test('POST a CSV body: 202, progress, then every row in order in result.csv', async () => {
      const csv = [
        'ref;adresse;note',
        ...labels.map((l, i) => `R${i};"${l}";${i % 2 ? 'a' : 'b'}`),
        ...inPdp.map((l, i) => `P${i};"${l}";pdp`),
        'G1;zzqx wvpk jjj;garbage',
        'E1;;vide',
      ].join('\n');
      const res = await app.inject(
        pro.with({
          method: 'POST',
          url: '/v1/eligibility/bulk',
          headers: { 'content-type': 'text/csv' },
          payload: csv,
        }),
      );
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json();
      assert.equal(body.reading.mode, 'address');
      assert.deepEqual(body.reading.columns, ['adresse']);
      jobId = body.job_id;
      const j = await waitDone(app, jobId);
      assert.equal(j.status, 'done', JSON.stringify(j));
      assert.equal(j.rows_total, labels.length + inPdp.length + 2);
      assert.equal(j.rows_done, j.rows_total);
      assert.equal(j.results.csv, `/v1/jobs/${jobId}/result.csv`);

      const out = await app.inject(pro.with({ url: `/v1/jobs/${jobId}/result.csv` }));
      assert.equal(out.statusCode, 200);
      assert.match(out.headers['content-type'] as string, /text\/csv/);
      const rows = parseCsv(out.body);
      const head = rows[0]!;
      assert.deepEqual(head.slice(0, 3), ['ref', 'adresse', 'note']);
      for (const h of [
        'Adresse testée',
        'Indice de fiabilité',
        'Raccordable à un réseau existant',
        'Dans un PDP',
        'Identifiant SNCU',
        'BatID',
        'Chauffage (installation)',
        'Évolution',
      ])
        assert.ok(head.includes(h), h);
      const col = (name: string) => head.indexOf(name);
      assert.equal(rows.length - 1, j.rows_total);
      rows
        .slice(1)
        .forEach((r, i) => assert.equal(r[col('Ligne du fichier')], String(i + 2), 'in file order'));
      const byRef = new Map(rows.slice(1).map((r) => [r[0]!, r]));
      assert.equal(byRef.get('R0')![col('Adresse testée')], labels[0]);
      assert.equal(byRef.get('R0')![col('Indice de fiabilité')], '100');
      assert.equal(byRef.get('P0')![col('Dans un PDP')], 'Oui');
      assert.equal(byRef.get('P0')![col('Raccordable à un réseau existant')], 'Oui');
      assert.equal(byRef.get('G1')![col('Statut')], 'adresse introuvable');
      assert.equal(byRef.get('E1')![col('Statut')], 'ligne invalide');
      assert.equal(byRef.get('E1')![col('Motif')], 'adresse vide');
    });

    test('result.xlsx: a workbook with the results and a legend', async () => {
      const out = await app.inject(pro.with({ url: `/v1/jobs/${jobId}/result.xlsx` }));
      assert.equal(out.statusCode, 200);
      assert.match(out.headers['content-type'] as string, /spreadsheetml/);
      const bytes = out.rawPayload;
      assert.equal(bytes.subarray(0, 2).toString(), 'PK');
      assert.ok(bytes.includes('xl/worksheets/sheet2.xml'), 'two sheets');
      assert.equal(Number(out.headers['content-length']), bytes.length);
      // it is the workbook written while the job ran, the same bytes as one rebuilt from the rows
      const kept = await storedResultXlsx(store, jobId);
      assert.ok(kept, 'a workbook kept in jobs.result_file');
      assert.ok(kept.equals(bytes));
      assert.ok(
        (await rebuilt(jobId)).equals(bytes),
        'same bytes as the workbook rebuilt from the stored rows',
      );
    });

    test('the rows of the view jobs.eligibility_row are the rows the chunks hold, and their counts add up', async () => {
      const app_rows: StoredRow[] = [];
      for await (const page of storedRows(store, jobId, 1)) app_rows.push(...page);
      const view = await store.query<Record<string, unknown>>(
        `SELECT ${STORED_COLUMNS.filter((c) => c !== 'changed_at').join(', ')},
                to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS changed_at
           FROM jobs.eligibility_row WHERE job_id = $1 ORDER BY row_no`,
        [jobId],
      );
      assert.equal(view.length, app_rows.length);
      assert.ok(app_rows.some((r) => r.status === 'ok' && r.eligible && r.batid && r.in_pdp));
      // the view's real score is the float4 of the stored one
      const real = (x: number | null) => (x === null ? null : Math.fround(x));
      view.forEach((v, i) =>
        assert.deepEqual(
          { ...v, score: real(v.score as number | null) },
          { ...app_rows[i]!, score: real(app_rows[i]!.score) },
        ),
      );
      const counts = await resultCounts(store, jobId);
      assert.deepEqual(counts, {
        rows: app_rows.length,
        tested: app_rows.filter((r) => r.status === 'ok').length,
        not_geocoded: app_rows.filter((r) => r.status === 'not_geocoded').length,
        invalid: app_rows.filter((r) => r.status === 'invalid').length,
        eligible: app_rows.filter((r) => r.eligible).length,
      });
      assert.ok(counts.not_geocoded > 0 && counts.invalid > 0);
    });

    test('a multipart TSV with lon/lat: the building at each point', async () => {
      const pts = await store.query<{ batid: string; lon: number; lat: number }>(
        `SELECT batid, ST_X(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lon, ST_Y(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lat
           FROM batid.building WHERE status = 'constructed' ORDER BY batid LIMIT 10`,
      );
      const tsv = [
        'nom\tlongitude\tlatitude',
        ...pts.map((p, i) => `b${i}\t${p.lon}\t${p.lat}`),
        'bad\tabc\t46.5',
      ].join('\n');
      const boundary = 'XbatidX';
      const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="points.tsv"\r\nContent-Type: text/tab-separated-values\r\n\r\n${tsv}\r\n--${boundary}--\r\n`;
      const res = await app.inject(
        pro.with({
          method: 'POST',
          url: '/v1/eligibility/bulk',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          payload,
        }),
      );
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().reading.mode, 'lonlat');
      const j = await waitDone(app, res.json().job_id);
      assert.equal(j.status, 'done', JSON.stringify(j));
      assert.equal(j.input_name, 'points.tsv');
      const rows = parseCsv((await app.inject(pro.with({ url: `/v1/jobs/${j.id}/result.csv` }))).body);
      const bat = rows[0]!.indexOf('BatID');
      pts.forEach((p, i) => assert.equal(rows[i + 1]![bat], p.batid));
      assert.equal(rows[pts.length + 1]![rows[0]!.indexOf('Statut')], 'ligne invalide');
    });

    test('files that cannot work are refused at once, with the reason', async () => {
      const post = (payload: string) =>
        app.inject(
          pro.with({
            method: 'POST',
            url: '/v1/eligibility/bulk',
            headers: { 'content-type': 'text/csv' },
            payload,
          }),
        );
      const noColumn = await post('a;b\n1;2\n3;4\n');
      assert.equal(noColumn.statusCode, 400, noColumn.body);
      assert.equal(noColumn.json().error.code, 'no_address_column');
      const empty = await app.inject(
        pro.with({
          method: 'POST',
          url: '/v1/eligibility/bulk',
          headers: { 'content-type': 'application/json' },
          payload: '{}',
        }),
      );
      assert.equal(empty.statusCode, 400);
      assert.equal((await app.inject(pro.with({ url: '/v1/jobs/nope' }))).json().error.code, 'job_not_found');
    });

    test('restart-safe: a job given back mid-way, with rows past its progress, resumes without losing or repeating a row', async () => {
      // one row in ten in a PDP: eligible
      const many = Array.from(
        { length: 4500 },
        (_v, i) => `"${i % 10 === 0 ? inPdp[(i / 10) % inPdp.length] : labels[i % labels.length]}"`,
      );
      const bytes = Buffer.from(['adresse', ...many].join('\n'));
      const quiet = await buildApp(store, { logLevel: 'silent', jobs: false });
      const res = await quiet.inject(
        pro.with({
          method: 'POST',
          url: '/v1/eligibility/bulk',
          headers: { 'content-type': 'text/csv' },
          payload: bytes,
        }),
      );
      const id = res.json().job_id as string;
      assert.equal(
        (await quiet.inject(pro.with({ url: `/v1/jobs/${id}/result.csv` }))).json().error.code,
        'job_not_done',
      );
      // a first process runs one chunk and stops (server shutdown)
      assert.equal(await claimJob(store, id), id);
      let half = await runEligibilityJob(store, id, { shouldStop: () => true });
      assert.equal(half.status, 'pending');
      assert.equal(half.rows_done, 2000);
      // its progress written by a process from before migration 0018: no eligible count kept
      await store.query(`UPDATE jobs.job SET eligible_done = NULL WHERE id = $1`, [id]);
      // a process that died after writing a chunk but before committing its progress
      await store.query(
        `INSERT INTO jobs.eligibility_chunk (job_id, first_row, rows, tested, not_geocoded, invalid, eligible, networks_version, body)
         SELECT $1, 2000, 100, 0, 0, 100, 0, 0, json_agg(json_build_array(g, g + 2, '[]'::json, null, 'invalid') ORDER BY g)::text
           FROM generate_series(2000, 2099) g`,
        [id],
      );
      const runner = new JobRunner(store);
      runner.start();
      half = await waitDone(quiet, id);
      await runner.stop();
      await quiet.close();
      assert.equal(half.status, 'done');
      const [c] = await store.query<{
        n: number;
        distinct_rows: number;
        min: number;
        max: number;
        ok: number;
      }>(
        `SELECT count(*)::int AS n, count(DISTINCT row_no)::int AS distinct_rows, min(row_no) AS min, max(row_no) AS max,
                count(*) FILTER (WHERE status = 'ok')::int AS ok
           FROM jobs.eligibility_row WHERE job_id = $1`,
        [id],
      );
      assert.deepEqual(c, { n: 4500, distinct_rows: 4500, min: 0, max: 4499, ok: 4500 });
      // its progress counts its eligible rows, those of the first process included (what the statistics add)
      const [p] = await store.query<{ rows_done: number; eligible_done: number; eligible: number }>(
        `SELECT j.rows_done, j.eligible_done,
                (SELECT count(*)::int FROM jobs.eligibility_row r WHERE r.job_id = j.id AND r.eligible) AS eligible
           FROM jobs.job j WHERE j.id = $1`,
        [id],
      );
      assert.ok(p!.eligible > 0 && p!.eligible < 4500, `${p!.eligible} eligible rows`);
      assert.deepEqual(p, { rows_done: 4500, eligible_done: p!.eligible, eligible: p!.eligible });
      // a resumed job has no workbook written as it ran: its file is built from its rows
      assert.equal(await storedResultXlsx(store, id), null);
      const x = await app.inject(pro.with({ url: `/v1/jobs/${id}/result.xlsx` }));
      assert.equal(x.statusCode, 200);
      assert.ok(x.rawPayload.equals(await rebuilt(id)));
    });

    test('a networks re-import re-tests stored results and flags each change', async () => {
      const r = await importNetworks(
        store,
        layers.filter((f) => !f.endsWith('pdp.geojson')),
      );
      assert.ok(r.retest.rows > 0);
      assert.ok(r.retest.changed >= inPdp.length, JSON.stringify(r.retest));
      const ch = (await app.inject(pro.with({ url: `/v1/jobs/${jobId}/changes` }))).json();
      const pdpRows = ch.changes.filter((c: { input: string }) => inPdp.includes(c.input));
      assert.equal(pdpRows.length, inPdp.length);
      for (const c of pdpRows) {
        assert.equal(c.previous_type, 'dans_pdp_reseau_existant');
        assert.match(c.change, /^dans_pdp_reseau_existant → \w+ : n’est plus dans un PDP/);
      }
      const rows = parseCsv((await app.inject(pro.with({ url: `/v1/jobs/${jobId}/result.csv` }))).body);
      const evo = rows[0]!.indexOf('Évolution');
      assert.match(rows.find((x) => x[0] === 'P0')![evo]!, /n’est plus dans un PDP/);
      // the workbook written while the job ran is dropped with its rows re-tested; the new one has the changes
      assert.equal(await storedResultXlsx(store, jobId), null);
      const [{ rows_version } = { rows_version: null }] = await store.query<{ rows_version: number | null }>(
        `SELECT rows_version FROM jobs.job WHERE id = $1`,
        [jobId],
      );
      assert.equal(rows_version, r.version, 'the job knows its rows were re-tested');
      for (const t of ['jobs.result_file', 'jobs.result_file_part'])
        assert.equal((await store.query(`SELECT 1 FROM ${t} WHERE job_id = $1`, [jobId])).length, 0, t);
      const files = jobFilesDir(store);
      if (files) assert.equal(await jobFileSize(files, jobId, 'result.xlsx'), null, 'its file removed');
      const x = await app.inject(pro.with({ url: `/v1/jobs/${jobId}/result.xlsx` }));
      assert.ok(x.rawPayload.equals(await rebuilt(jobId)));
      // re-importing the same networks again changes nothing more
      const again = await importNetworks(
        store,
        layers.filter((f) => !f.endsWith('pdp.geojson')),
      );
      assert.equal(again.retest.changed, 0);
    });

    test('a stored workbook goes in 1 MB parts (a file beside an embedded database), comes back whole, and only for its networks version', async () => {
      const id = 'parts-test';
      // a job whose rows a re-test brought to networks version 7
      await store.query(
        `INSERT INTO jobs.job (id, kind, status, input_name, input_sha256, options, rows_version)
         VALUES ($1, 'eligibility_bulk', 'done', 'parts.csv', 'x', '{}'::jsonb, 7)`,
        [id],
      );
      await store.query(
        `INSERT INTO jobs.eligibility_chunk (job_id, first_row, rows, tested, not_geocoded, invalid, eligible, networks_version, body)
         VALUES ($1, 0, 1, 0, 0, 1, 0, 7, '[[0, 2, [], null, "invalid"]]')`,
        [id],
      );
      const bytes = randomBytes(2.5 * 1024 * 1024);
      const file = (b: Buffer) => {
        const path = join(db.dir, 'parts-test.bin');
        return writeFile(path, b).then(() => path);
      };
      const files = jobFilesDir(store);
      assert.equal(files !== null, backend.name === 'embedded');
      await storeResultXlsx(store, id, 7, await file(bytes));
      const parts = await store.query(
        `SELECT part FROM jobs.result_file_part WHERE job_id = $1 ORDER BY part`,
        [id],
      );
      assert.deepEqual(
        parts.map((p) => p.part),
        files ? [] : [0, 1, 2],
      );
      if (files) assert.ok((await readFile(join(files, id, 'result.xlsx'))).equals(bytes));
      assert.ok((await storedResultXlsx(store, id))?.equals(bytes));
      // stored again, smaller: replaced whole, no part of the first one left
      await storeResultXlsx(store, id, 7, await file(bytes.subarray(0, 1000)));
      assert.ok((await storedResultXlsx(store, id))?.equals(bytes.subarray(0, 1000)));
      assert.deepEqual(
        await storedResult(store, id),
        files ? { parts: 0, size: 1000, inFile: true } : { parts: 1, size: 1000, inFile: false },
      );
      if (files) {
        // a file gone (or cut) is not sent: the download writes the workbook from the rows
        await writeFile(join(files, id, 'result.xlsx'), bytes.subarray(0, 10));
        assert.equal(await storedResult(store, id), null);
        await rm(join(files, id, 'result.xlsx'));
        assert.equal(await storedResult(store, id), null);
      }
      // written at an older networks version than its rows were re-tested on: not sent
      await storeResultXlsx(store, id, 6, await file(bytes));
      assert.equal(await storedResultXlsx(store, id), null);
      await store.query(`DELETE FROM jobs.eligibility_chunk WHERE job_id = $1`, [id]);
      await store.query(`DELETE FROM jobs.job WHERE id = $1`, [id]);
    });

    test('a job’s input is kept in 1 MB parts (a file beside an embedded database); a job stored before them keeps its one value', async () => {
      const bytes = randomBytes(2.5 * 1024 * 1024);
      const id = await createEligibilityJob(store, { name: 'parts.csv', bytes, options: {} });
      const parts = await store.query(`SELECT part FROM jobs.job_input WHERE job_id = $1 ORDER BY part`, [
        id,
      ]);
      const files = jobFilesDir(store);
      assert.deepEqual(
        parts.map((p) => p.part),
        files ? [] : [0, 1, 2],
      );
      if (files) assert.ok((await readFile(join(files, id, 'input'))).equals(bytes));
      assert.ok((await jobInput(store, id)).equals(bytes));
      const legacy = Buffer.from('adresse\n1 rue de la Paix 03000 Moulins\n');
      await store.query(
        `INSERT INTO jobs.job (id, kind, status, input_name, input, input_sha256, options)
         VALUES ('legacy-input', 'eligibility_bulk', 'done', 'old.csv', decode($1, 'base64'), 'x', '{}')`,
        [legacy.toString('base64')],
      );
      assert.ok((await jobInput(store, 'legacy-input')).equals(legacy));
    });

    test('the jobs’ files nothing counts are swept (embedded): a job never stored, a workbook without its head, a temporary file', async () => {
      const files = jobFilesDir(store);
      if (!files) {
        assert.equal(await sweepJobFiles(store), 0, 'a server database keeps no files');
        return;
      }
      const input = Buffer.from('adresse\n1 rue de la Paix 03000 Moulins\n');
      const kept = await createEligibilityJob(store, { name: 'kept.csv', bytes: input, options: {} });
      await writeFile(join(files, kept, 'input.ab12cd34.tmp'), 'half written');
      await writeFile(join(files, kept, 'result.xlsx'), 'its head never stored');
      await mkdir(join(files, 'never-stored'));
      await writeFile(join(files, 'never-stored', 'input'), 'a job killed before its row');
      // a job whose workbook counts: left whole
      const done = await createEligibilityJob(store, { name: 'done.csv', bytes: input, options: {} });
      const xlsx = join(db.dir, 'sweep.xlsx');
      await writeFile(xlsx, 'PK workbook');
      await storeResultXlsx(store, done, 1, xlsx);

      assert.ok((await sweepJobFiles(store)) >= 3);
      assert.deepEqual(await readdir(join(files, kept)), ['input']);
      assert.ok(!(await readdir(files)).includes('never-stored'));
      assert.deepEqual((await readdir(join(files, done))).sort(), ['input', 'result.xlsx']);
      assert.ok((await jobInput(store, kept)).equals(input));
      assert.equal(await sweepJobFiles(store), 0, 'nothing left to sweep');
    });

    test('batid eligibility IN --out OUT.xlsx / OUT.csv: same engine from the CLI', async () => {
      const input = join(db.dir, 'cli-in.csv');
      await writeFile(
        input,
        ['adresse', ...labels.slice(0, 20).map((l) => `"${l}"`), 'zzqx wvpk jjj'].join('\n'),
      );
      const run = (out: string) => batidCli(backend, 'eligibility', [input, '--out', out]);
      const x = run(join(db.dir, 'out.xlsx'));
      assert.equal(x.status, 0, x.stderr);
      assert.match(
        x.stdout,
        /21 rows \(address from adresse\): 20 tested, \d+ eligible, 1 addresses not found, 0 invalid rows/,
      );
      assert.equal((await readFile(join(db.dir, 'out.xlsx'))).subarray(0, 2).toString(), 'PK');
      const c = run(join(db.dir, 'out.csv'));
      assert.equal(c.status, 0, c.stderr);
      assert.equal(parseCsv(await readFile(join(db.dir, 'out.csv'), 'utf8')).length, 22);
      const bad = run(join(db.dir, 'out.txt'));
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /--out must end in \.csv or \.xlsx/);
      assert.ok(await jobInfo(store, jobId));
    });
  });
}
