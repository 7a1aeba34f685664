import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { claimJob } from '../../src/jobs/job-store.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import { backends, serverUrl, sqlOn, type Backend } from '../helpers/backends.js';
import { killSeed, runCli, seededRandom, timeOf, type KillPoint } from '../helpers/kill-child.js';

/** Input rows: 3 full chunks of 2,000 (CHUNK_ROWS) and a partial one. */
const ROWS = 7000;
const SEED = killSeed(20260905);
const KILLS = 3;

type Conn = { dbDir?: string; databaseUrl?: string };

/** A copy of a closed database: the data dir copied, or a PostgreSQL database made from it as a template. */
async function cloneDatabase(conn: Conn): Promise<{ conn: Conn; drop(): Promise<void> }> {
  if (conn.dbDir) {
    const dir = await mkdtemp(join(tmpdir(), 'batid-clone-'));
    await cp(conn.dbDir, dir, { recursive: true });
    // its jobs' files too (src/jobs/job-files.ts), when it has some
    await cp(`${conn.dbDir}.jobs`, `${dir}.jobs`, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return {
      conn: { dbDir: dir },
      drop: async () => {
        for (const d of [dir, `${dir}.jobs`]) await rm(d, { recursive: true, force: true });
      },
    };
  }
  const u = new URL(conn.databaseUrl!);
  const name = `${u.pathname.slice(1)}_b`;
  const admin = async (sql: string) => {
    await sqlOn(serverUrl()!, sql);
  };
  await admin(`CREATE DATABASE ${name} TEMPLATE ${u.pathname.slice(1)}`);
  u.pathname = `/${name}`;
  return {
    conn: { databaseUrl: u.toString() },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The stored result rows of the (only) job, without its random id: equal digests, equal results. */
async function jobDigest(store: Store, id: string): Promise<string> {
  const [r] = await store.query<{ h: string }>(
    `SELECT md5(string_agg((to_jsonb(r) - 'job_id')::text, E'\\n' ORDER BY row_no)) AS h
       FROM jobs.eligibility_row r WHERE job_id = $1`,
    [id],
  );
  return r!.h;
}

for (const make of backends()) {
  const name = make().name;
  describe(`batid eligibility SIGKILLed at random points, then resumed [${name}]`, () => {
    let dir: string;
    let backend: Backend;
    let input: string;
    let wantBytes: Buffer;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-elig-kill-'));
      const exp = join(dir, 's');
      await synthesize({ dept: '03', scale: 0.01, seed: 1, out: exp });
      backend = make();
      const store = await backend.open();
      try {
        await importBdnb(store, BDNB_TABLES, {
          paths: [exp],
          millesime: '2024-10',
          rejectsPath: join(dir, 'r.csv'),
        });
        const layers = (await readdir(exp)).filter((f) => f.endsWith('.geojson')).map((f) => join(exp, f));
        await importNetworks(store, layers);
        const labels = (
          await store.query<{ label: string }>(
            `SELECT libelle_adresse AS label FROM bdnb.adresse ORDER BY cle_interop_adr`,
          )
        ).map((r) => r.label);
        assert.ok(labels.length > 500, `${labels.length} addresses`);
        // every address, then again in another order, with a few rows that cannot be tested
        const lines = ['ref;adresse;note'];
        for (let i = 0; i < ROWS; i++) {
          const text =
            i % 997 === 5 ? 'zzqx wvpk jjj' : i % 1499 === 7 ? '' : labels[(i * 7919) % labels.length]!;
          lines.push(`R${i};"${text}";${i % 3}`);
        }
        input = join(dir, 'in.csv');
        await writeFile(input, `${lines.join('\n')}\n`);
      } finally {
        await store.close();
      }
    });
    after(async () => {
      await backend?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('B.csv equals the uninterrupted A.csv byte for byte, and the job holds every row once', async (t) => {
      const copy = await cloneDatabase(backend.connection());
      try {
        const cli = (conn: Conn, out: string) => ({
          args: ['eligibility', input, '--out', join(dir, out), ...(conn.dbDir ? ['--db', conn.dbDir] : [])],
          env: { DATABASE_URL: conn.databaseUrl ?? '' },
        });
        // A: uninterrupted, timed to place the kills
        const a = cli(backend.connection(), 'A.csv');
        const ref = await runCli(a.args, a.env);
        assert.equal(ref.code, 0, ref.stdout + ref.stderr);
        wantBytes = await readFile(join(dir, 'A.csv'));
        let store = await openStore(backend.connection());
        const [refJob] = await store.query<{ id: string }>(`SELECT id FROM jobs.job`);
        const want = await jobDigest(store, refJob!.id);
        await store.close();

        // B: on the copy, killed at seeded points: after the first chunk's progress line, within
        // the time to the last one (evaluating, COPY and progress commit of the middle chunks), or
        // from the start, before that line (opening, job creation and claim, index loading, first
        // chunk). The kill while the file is written is the next test.
        const random = seededRandom(SEED);
        const firstChunk = /eligibility: \d+%/;
        const tFirst = timeOf(ref, firstChunk);
        const tLast = ref.pieces.filter((p) => firstChunk.test(p.text)).at(-1)?.ms;
        assert.ok(tFirst !== null && tLast !== undefined && tLast > tFirst, ref.stderr);
        const points: KillPoint[] = Array.from({ length: KILLS }, (_, i) =>
          i % 2
            ? { ms: Math.round(300 + random() * (tFirst - 300)) }
            : { after: firstChunk, ms: Math.round(random() * (tLast - tFirst)) },
        );
        t.diagnostic(
          `KILL_SEED=${SEED}, uninterrupted run ${Math.round(ref.ms)} ms (first chunk at ${Math.round(tFirst)} ms, last at ${Math.round(tLast)} ms); kills: ${points
            .map((p) => (p.after ? `${p.ms} ms after ${p.after}` : `${p.ms} ms`))
            .join(', ')}`,
        );
        const b = cli(copy.conn, 'B.csv');
        const outcomes: string[] = [];
        let refusedOnce = false;
        // jobs found done after a kill (killed while writing the file): the next run starts a new job
        const doneBeforeFile = new Set<string>();
        let completed = false;
        for (const p of points) {
          const r = await runCli(b.args, b.env, p);
          if (!r.killed) {
            assert.equal(r.code, 0, r.stdout + r.stderr);
            outcomes.push(`ended 0 at ${Math.round(r.ms)} ms`);
            completed = true;
            break; // done: a further run would be a new job
          }
          store = await openStore(copy.conn);
          try {
            const jobs = await store.query<{ id: string; status: string; rows_done: number }>(
              `SELECT id, status, rows_done FROM jobs.job ORDER BY created_at`,
            );
            outcomes.push(
              `killed at ${Math.round(r.ms)} ms (${jobs.map((j) => `${j.status} ${j.rows_done}`)})`,
            );
            assert.ok(jobs.length <= 1 + doneBeforeFile.size, JSON.stringify(jobs));
            const newest = jobs.at(-1);
            if (newest?.status === 'done') doneBeforeFile.add(newest.id);
            if (newest?.status !== 'running') continue;
            if (!refusedOnce) {
              // documented: the job of a process silent for less than STALE_AFTER_S is not taken
              // over by another claim (the server's job runner)…
              refusedOnce = true;
              assert.equal(await claimJob(store, newest.id), null);
            }
            // …but the same command on the same machine sees its process is gone and resumes at once
          } finally {
            await store.close();
          }
        }
        if (!completed) {
          const r = await runCli(b.args, b.env);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          outcomes.push(
            `ended 0 at ${Math.round(r.ms)} ms${/resuming job/.test(r.stderr) ? ', resumed' : ''}`,
          );
        }
        t.diagnostic(`attempts: ${outcomes.join(', ')}`);
        assert.ok(outcomes.filter((o) => o.startsWith('killed')).length >= 2, outcomes.join(', '));

        // no timestamp in the file: it must be the same bytes
        assert.ok((await readFile(join(dir, 'B.csv'))).equals(wantBytes), 'B.csv differs from A.csv');
        store = await openStore(copy.conn);
        try {
          const jobs = await store.query<{
            id: string;
            status: string;
            rows_total: number;
            rows_done: number;
          }>(`SELECT id, status, rows_total, rows_done FROM jobs.job ORDER BY created_at`);
          if (doneBeforeFile.size)
            t.diagnostic(
              `${doneBeforeFile.size} run(s) killed between the job's end and its file: the job was run again`,
            );
          assert.equal(jobs.length, 1 + doneBeforeFile.size, JSON.stringify(jobs));
          for (const job of jobs) {
            assert.deepEqual(
              { status: job.status, rows_total: job.rows_total, rows_done: job.rows_done },
              { status: 'done', rows_total: ROWS, rows_done: ROWS },
            );
            const [rows] = await store.query<{
              n: number;
              nos: number;
              lines: number;
              lo: number;
              hi: number;
            }>(
              `SELECT count(*)::int AS n, count(DISTINCT row_no)::int AS nos, count(DISTINCT line)::int AS lines,
                      min(row_no) AS lo, max(row_no) AS hi
                 FROM jobs.eligibility_row WHERE job_id = $1`,
              [job.id],
            );
            assert.deepEqual(rows, { n: ROWS, nos: ROWS, lines: ROWS, lo: 0, hi: ROWS - 1 });
            assert.equal(await jobDigest(store, job.id), want);
          }
        } finally {
          await store.close();
        }
      } finally {
        await copy.drop();
      }
    });

    test('a run killed while writing its file is resumed, not run again as a new job', async () => {
      // on the database of A (its job is done): a new job, killed as soon as its file appears
      const conn = backend.connection();
      const out = join(dir, 'C.csv');
      const args = ['eligibility', input, '--out', out, ...(conn.dbDir ? ['--db', conn.dbDir] : [])];
      const env = { DATABASE_URL: conn.databaseUrl ?? '' };
      // the file is written as OUT.part, then renamed: killed while the part is there (the run
      // is held 10 s before the rename, so that the kill never races a write of a few ms)
      const killed = await runCli(
        args,
        { ...env, BATID_FAULT_PAUSE_BEFORE_RENAME_MS: '10000' },
        { file: `${out}.part`, ms: 0 },
      );
      assert.ok(killed.killed, killed.stdout + killed.stderr);
      assert.equal(existsSync(out), false, 'a half-written file is in place');
      const done = await runCli(args, env);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.ok((await readFile(out)).equals(wantBytes), 'C.csv differs from A.csv');
      assert.match(done.stderr, /resuming job/, `a new job was started: ${done.stdout}`);
    });
  });
}
