/**
 * `npm run bench -- load [--scale 1] [--backends embedded,postgres] [--duration 60]
 *  [--stages 8,32,64,128,256] [--workers N]`
 *
 * A mixed read load on the served API (issue 9 §6): address search, building cards, building
 * tiles (z14–z16 around the buildings) and eligibility by address, interleaved, from this process
 * (autocannon) against `batid serve` in a child process on loopback. The run lasts `--duration`
 * seconds split evenly over the rising concurrency stages; per stage: throughput, p50/p99, socket
 * errors and status codes; the server's resident memory (its process and workers) after each
 * stage, and its growth from the end of the first stage to the end of the run. Capacity is
 * measured with the per-client limits off; a last 10 s phase with the default limits on checks
 * that the only refusals are the intended 429s. Inputs are seeded (md5 order of the ids).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { tileOf } from '../src/tiles/tile-coords.js';
import { machine } from './machine.js';
import {
  benchTargets,
  ensureData,
  ensureImported,
  OUT,
  seededLabels,
  sh,
  startServer,
  type Target,
} from './bench-lib.js';

const N = 5000;

interface Stage {
  connections: number;
  seconds: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  rssMb: number;
}

/** The interleaved URL mix, read from the database before the server holds it. */
async function urls(t: Target): Promise<string[]> {
  const store = await t.open();
  try {
    const labels = await seededLabels(store, N);
    const buildings = await store.query<{ b: string; lon: number; lat: number }>(
      `SELECT batid AS b, ST_X(p) AS lon, ST_Y(p) AS lat
         FROM (SELECT batid, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM batid.building
                WHERE status = 'constructed' AND geom IS NOT NULL ORDER BY md5(batid) LIMIT ${N}) x`,
    );
    const out: string[] = [];
    for (let i = 0; i < N; i++) {
      const label = labels[i % labels.length]!;
      const b = buildings[i % buildings.length]!;
      const z = 14 + (i % 3);
      const tile = tileOf(b.lon, b.lat, z);
      out.push(
        `/v1/addresses/search?q=${encodeURIComponent(label)}&limit=5`,
        `/v1/buildings/${b.b}`,
        `/tiles/buildings/${z}/${tile.x}/${tile.y}.pbf`,
        `/v1/eligibility?address=${encodeURIComponent(label)}`,
      );
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Resident memory (MB) of the server and its workers. */
function rssOfTree(pid: number): number {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  let kb = 0;
  for (const p of procs) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (Number(p) !== pid && ppid !== pid) continue;
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    } catch {
      // the process ended
    }
  }
  return Math.round(kb / 1024);
}

async function stage(
  port: number,
  list: string[],
  connections: number,
  seconds: number,
): Promise<Omit<Stage, 'rssMb'>> {
  let i = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        setupRequest: (req) => {
          req.path = list[i++ % list.length]!;
          return req;
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {}))
    statusCodes[code] = (s as { count: number }).count;
  return {
    connections,
    seconds,
    requestsPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

const stop = async (server: ChildProcess) => {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
};

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      backends: { type: 'string', default: 'embedded,postgres' },
      duration: { type: 'string', default: '60' },
      stages: { type: 'string', default: '8,32,64,128,256' },
      workers: { type: 'string' },
    },
  });
  const stages = values.stages.split(',').map(Number);
  const perStage = Math.max(2, Math.round(Number(values.duration) / stages.length));
  sh('npm', ['run', '--silent', 'build']);
  const data = ensureData(values.scale);
  const workers = Number(values.workers ?? availableParallelism());
  const targets = await benchTargets(values.scale, values.backends.split(','), workers);
  const results: Record<string, unknown> = { machine: machine(), scale: values.scale, stages, perStage };
  console.log(`load bench: ${machine()}; scale ${values.scale}; stages ${stages.join(', ')} × ${perStage} s`);
  for (const t of targets) {
    await ensureImported(t, data);
    const list = await urls(t);
    const port = 19500 + Math.floor(Math.random() * 500);
    const server = await startServer(t, port);
    const rows: Stage[] = [];
    try {
      // warm-up: caches, address index, the tiles' derived table
      await stage(port, list.slice(0, 400), 4, 5);
      for (const c of stages) {
        const s = { ...(await stage(port, list, c, perStage)), rssMb: rssOfTree(server.pid!) };
        rows.push(s);
        const bad = Object.entries(s.statusCodes).filter(([k]) => Number(k) >= 500);
        console.log(
          `${t.backend.padEnd(8)} ${String(c).padStart(3)} conn  ${String(s.requestsPerSec).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  errors ${s.errors} (timeouts ${s.timeouts})  5xx ${bad.reduce((a, [, n]) => a + n, 0)}  codes ${JSON.stringify(s.statusCodes)}  RSS ${s.rssMb} MB`,
        );
      }
    } finally {
      await stop(server);
    }
    const growth = rows.length > 1 ? rows[rows.length - 1]!.rssMb - rows[0]!.rssMb : 0;
    console.log(
      `${t.backend.padEnd(8)} memory: ${rows[0]?.rssMb} MB after the first stage → ${rows.at(-1)?.rssMb} MB at the end (${growth >= 0 ? '+' : ''}${growth} MB)`,
    );
    // the same mix with the default per-client limits: the only refusals must be 429s
    const limited = await startServer({ ...t, env: { ...t.env, BATID_RATE_LIMIT: '' } }, port + 1);
    let withLimits;
    try {
      // the same warm-up (below the limits), then the measured phase
      await stage(port + 1, list.slice(0, 400), 4, 5);
      withLimits = await stage(port + 1, list, 64, 10);
    } finally {
      await stop(limited);
    }
    const refused = withLimits.statusCodes['429'] ?? 0;
    const other = Object.entries(withLimits.statusCodes).filter(([k]) => Number(k) >= 500);
    console.log(
      `${t.backend.padEnd(8)} limits on (64 conn, 10 s): ${withLimits.requestsPerSec} req/s, ${refused} × 429, errors ${withLimits.errors}, 5xx ${other.reduce((a, [, n]) => a + n, 0)}, codes ${JSON.stringify(withLimits.statusCodes)}`,
    );
    results[t.backend] = { stages: rows, rssGrowthMb: growth, withLimits };
  }
  const file = join(OUT, `load-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written ${file}`);
}
