/**
 * `npm run bench -- bulk [--scale 1] [--rows 100000] [--backends embedded,postgres] [--duration 10] [--connections 10]`
 *
 * The bulk heat-network eligibility test end to end on a synthetic département (seed 1, its heat
 * networks imported): `rows` text addresses drawn (seeded) from the département — 93% as
 * written, 5% with a typo (lowercase, accents stripped, one letter dropped), 2% garbage.
 *   - HTTP job: the file POSTed to a running `batid serve` (warm: address index built, heating
 *     cache filled, bulk code run once), the job polled until done, then result.xlsx downloaded: rows/s over that whole
 *     span, and the server's peak RSS (VmHWM, read every 50 ms). Three jobs in a row on the same
 *     server: the first (a fresh process, right after its warm-up: the `warm:` line) and the next two;
 *   - CLI: `batid eligibility IN --out OUT.xlsx` in a fresh process (it builds the address index
 *     first): wall time and peak RSS;
 *   - single address: GET /v1/eligibility?address=… under autocannon (20,000 seeded queries of the
 *     same mix, after a 2 s warm-up): req/s, p50/p99.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Prng } from '../src/synth/prng.js';
import {
  benchTargets,
  ensureData,
  ensureImported,
  load,
  OUT,
  ROOT,
  sh,
  startServer,
  type Target,
  seededLabels,
} from './bench-lib.js';
import { machine } from './machine.js';
import { createKey } from '../src/auth/keys.js';

/** Peak resident memory (MB) of a process, sampled every 50 ms until stopped. */
function peakRss(pid: number): { stop: () => number } {
  let peak = 0;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // the process ended
    }
  };
  const t = setInterval(read, 50);
  return {
    stop: () => {
      read();
      clearInterval(t);
      return Math.round(peak);
    },
  };
}

/** The seeded input file (kept in bench/out). */
async function inputFile(
  t: Target,
  scale: string,
  rows: number,
): Promise<{ path: string; queries: string[] }> {
  const store = await t.open();
  let labels: string[];
  try {
    labels = await seededLabels(store);
  } finally {
    await store.close();
  }
  const prng = new Prng(7);
  const rng = () => prng.next();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const queries = Array.from({ length: rows }, (_v, i) => {
    const l = labels[i % labels.length]!;
    const x = rng();
    if (x < 0.93) return l;
    if (x < 0.98) {
      const plain = l
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase();
      const at = 4 + Math.floor(rng() * Math.max(1, plain.length - 14));
      return plain.slice(0, at) + plain.slice(at + 1);
    }
    return Array.from({ length: 3 }, () =>
      Array.from({ length: 4 + Math.floor(rng() * 5) }, () => letters[Math.floor(rng() * 26)]).join(''),
    ).join(' ');
  });
  const path = join(OUT, `bulk-in-s${scale}-${rows}.csv`);
  writeFileSync(path, ['id;adresse', ...queries.map((q, i) => `${i};"${q.replace(/"/g, '""')}"`)].join('\n'));
  return { path, queries };
}

async function networksImported(t: Target, data: string): Promise<void> {
  const store = await t.open();
  try {
    const [r] = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM fcu.import`);
    if (r!.n > 0) return;
  } finally {
    await store.close();
  }
  const layers = readdirSync(data)
    .filter((f) => f.endsWith('.geojson'))
    .map((f) => join(data, f));
  sh(process.execPath, ['bin/batid.js', 'import-networks', ...layers, ...t.args], t.env);
}

/** A pro key in the target's database (the bulk routes need one). */
async function proToken(t: Target): Promise<string> {
  const store = await t.open();
  try {
    return (await createKey(store, { role: 'pro', label: 'bulk bench' })).token;
  } finally {
    await store.close();
  }
}

async function httpJob(
  port: number,
  serverPid: number,
  path: string,
  token: string,
): Promise<{ seconds: number; rssMb: number; xlsxMb: number }> {
  const auth = { authorization: `Bearer ${token}` };
  const rss = peakRss(serverPid);
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/v1/eligibility/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...auth },
    body: readFileSync(path),
  });
  if (res.status !== 202) throw new Error(`POST ${res.status}: ${await res.text()}`);
  const { job_id } = (await res.json()) as { job_id: string };
  for (;;) {
    const j = (await (
      await fetch(`http://127.0.0.1:${port}/v1/jobs/${job_id}`, { headers: auth })
    ).json()) as {
      status: string;
      error: string | null;
    };
    if (j.status === 'done') break;
    if (j.status === 'failed') throw new Error(`job failed: ${j.error}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const x = await fetch(`http://127.0.0.1:${port}/v1/jobs/${job_id}/result.xlsx`, { headers: auth });
  const bytes = Buffer.from(await x.arrayBuffer());
  const seconds = (performance.now() - t0) / 1000;
  if (x.status !== 200 || bytes.subarray(0, 2).toString() !== 'PK')
    throw new Error(`result.xlsx ${x.status}`);
  return { seconds, rssMb: rss.stop(), xlsxMb: Math.round(bytes.length / 104857.6) / 10 };
}

async function cliRun(t: Target, path: string): Promise<{ seconds: number; rssMb: number }> {
  const out = join(OUT, 'bulk-out.xlsx');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/batid.js', 'eligibility', path, '--out', out, ...t.args], {
    cwd: ROOT,
    env: { ...process.env, ...t.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const rss = peakRss(child.pid!);
  const code = await new Promise<number | null>((ok) => child.once('exit', ok));
  const rssMb = rss.stop();
  if (code !== 0 || !existsSync(out) || statSync(out).size === 0)
    throw new Error(`batid eligibility failed (${code})`);
  return { seconds: (performance.now() - t0) / 1000, rssMb };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      rows: { type: 'string', default: '100000' },
      backends: { type: 'string', default: 'embedded,postgres' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
    },
  });
  mkdirSync(OUT, { recursive: true });
  sh('npm', ['run', '--silent', 'build']);
  const { scale } = values;
  const rows = Number(values.rows);
  const data = ensureData(scale);
  const targets = await benchTargets(scale, values.backends.split(','), 1);
  const results: Record<string, unknown> = { machine: machine(), scale, rows };
  console.log(`bulk bench: ${machine()}; scale ${scale}, ${rows} rows`);
  for (const t of targets) {
    await ensureImported(t, data);
    await networksImported(t, data);
    const { path, queries } = await inputFile(t, scale, rows);
    const port = 19000 + Math.floor(Math.random() * 1000);
    const token = await proToken(t);
    const server = await startServer(t, port);
    try {
      const jobs = [];
      for (const nth of ['1st', '2nd', '3rd']) {
        const job = await httpJob(port, server.pid!, path, token);
        jobs.push(job);
        console.log(
          `${t.backend.padEnd(8)} HTTP job (${nth})  ${rows} rows in ${job.seconds.toFixed(2)} s = ${Math.round(rows / job.seconds)} rows/s (XLSX ${job.xlsxMb} MB), server peak RSS ${job.rssMb} MB`,
        );
      }
      const urls = queries.slice(0, 20_000).map((q) => `/v1/eligibility?address=${encodeURIComponent(q)}`);
      await load(port, urls, 2, Number(values.connections));
      const s = await load(port, urls, Number(values.duration), Number(values.connections));
      console.log(
        `${t.backend.padEnd(8)} single address  ${s.requestsPerSec} req/s  p50 ${s.p50} ms  p90 ${s.p90} ms  p99 ${s.p99} ms  max ${s.max} ms  (${s.total} requests, ${s.errors} errors, ${s.non2xx} non-2xx: addresses not found)`,
      );
      results[t.backend] = { httpJob: jobs[0], httpJobsNext: jobs.slice(1), single: s };
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    const cli = await cliRun(t, path);
    console.log(
      `${t.backend.padEnd(8)} CLI (cold)      ${rows} rows in ${cli.seconds.toFixed(1)} s = ${Math.round(rows / cli.seconds)} rows/s, peak RSS ${cli.rssMb} MB`,
    );
    (results[t.backend] as Record<string, unknown>).cli = cli;
  }
  const file = join(OUT, `bulk-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written ${file}`);
}
