import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../../src/auth/keys.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { openStore } from '../../src/store/open-store.js';
import { isConnectionError, isPlainRead, onPrimary, RoutedStore } from '../../src/store/routed-store.js';
import type { Store } from '../../src/store/store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import { serverUrl, sqlOn as sql } from '../helpers/backends.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', 'scripts/batid-dev.ts', 'serve'];
const PG_BIN = '/usr/lib/postgresql/15/bin';

describe('read routing: which statements a replica may run', () => {
  test('plain reads go to a replica', () => {
    for (const sql of [
      'SELECT 1',
      '  select * from batid.building where batid = $1',
      '-- a comment\nSELECT 1',
      '/* hint */ WITH t AS (SELECT 1) SELECT * FROM t',
      '(SELECT 1) UNION ALL (SELECT 2)',
      'VALUES (1), (2)',
      'TABLE batid.schema_migrations',
      "SELECT 'insert into x; for update' AS s", // words inside a string
      'SELECT "update" FROM t', // a quoted identifier
      'SELECT $q$ nextval(1) $q$',
      'SELECT updated_at, inserted FROM t', // words that only start like keywords
    ])
      assert.equal(isPlainRead(sql), true, sql);
  });

  test('writes, locks, several statements and side-effect functions go to the primary', () => {
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'UPDATE t SET a = 1',
      'DELETE FROM t',
      'COPY t FROM STDIN',
      'CREATE TABLE t (a int)',
      'ANALYZE t',
      'BEGIN',
      'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
      'WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM u',
      'with i as (insert into t values (1) returning *) select * from i',
      'SELECT * FROM t FOR UPDATE',
      'SELECT * FROM t FOR NO KEY UPDATE',
      'SELECT * FROM t FOR SHARE',
      'SELECT * FROM t FOR KEY SHARE',
      'SELECT * INTO t2 FROM t',
      "SELECT nextval('s')",
      "SELECT setval('s', 1)",
      'SELECT pg_advisory_lock($1)',
      'SELECT pg_try_advisory_xact_lock(1)',
      "SELECT set_config('x.y', '1', false)",
      'SELECT txid_current()',
      'SELECT pg_current_wal_lsn()',
      'SELECT 1; DELETE FROM t',
      '/* SELECT */ DELETE FROM t',
      '',
    ])
      assert.equal(isPlainRead(sql), false, sql);
  });

  test('connection errors are told from query errors', () => {
    const e = (code: string | undefined, message = 'x') => Object.assign(new Error(message), { code });
    for (const err of [
      e('ECONNREFUSED'),
      e('57P01', 'terminating connection due to administrator command'),
      e('57P03', 'the database system is starting up'),
      e('08006'),
      e(undefined, 'Connection terminated unexpectedly'),
      e(undefined, 'timeout exceeded when trying to connect'),
      new AggregateError([e('ECONNREFUSED')], 'connect'),
    ])
      assert.equal(isConnectionError(err), true, err.message);
    for (const err of [e('25006'), e('42P01'), e('23505'), e(undefined, 'boom'), 'ECONNREFUSED'])
      assert.equal(isConnectionError(err), false, String(err));
  });
});

/** A Store that records where statements ran and fails as told. */
function fakeStore(name: string, log: string[]) {
  let fail: Error | null = null;
  const run = async (what: string) => {
    log.push(`${name}:${what}`);
    if (fail) throw fail;
    return [{ on: name }];
  };
  const store: Store & { failWith(e: Error | null): void } = {
    kind: 'postgres',
    location: name,
    query: ((sql: string) => run(sql)) as Store['query'],
    prepared: ((_n: string, sql: string) => run(sql)) as Store['prepared'],
    copyOut: ((sql: string) => run(`copy ${sql}`)) as unknown as Store['copyOut'],
    exec: async (sql) => void (await run(`exec ${sql}`)),
    copyFrom: async (table) => void (await run(`copyFrom ${table}`)),
    transaction: async (fn) => {
      log.push(`${name}:tx`);
      return fn(store);
    },
    close: async () => undefined,
    failWith: (e) => (fail = e),
  };
  return store;
}

describe('RoutedStore (fake servers)', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });

  test('reads round-robin on the replicas, everything else on the primary', async () => {
    const log: string[] = [];
    const s = new RoutedStore(fakeStore('p', log), [fakeStore('r1', log), fakeStore('r2', log)], {
      log: () => undefined,
    });
    await s.query('SELECT 1');
    await s.prepared('n', 'SELECT 2', []);
    await s.copyOut('SELECT 3');
    await s.query('UPDATE t SET a = 1');
    await s.exec('SELECT 4');
    await s.copyFrom('t', ['a'], []);
    await s.transaction((tx) => tx.query('SELECT 5'));
    await onPrimary(() => s.query('SELECT 6'));
    assert.deepEqual(log, [
      'r1:SELECT 1',
      'r2:SELECT 2',
      'r1:copy SELECT 3',
      'p:UPDATE t SET a = 1',
      'p:exec SELECT 4',
      'p:copyFrom t',
      'p:tx',
      'p:SELECT 5',
      'p:SELECT 6',
    ]);
    assert.deepEqual(s.stats(), {
      primaryReads: 2,
      replicas: [
        { location: 'r1', healthy: true, reads: 2, failovers: 0 },
        { location: 'r2', healthy: true, reads: 1, failovers: 0 },
      ],
    });
    await s.close();
  });

  test('a read refused as a write runs again on the primary; a replica that is down is left out, then probed back', async () => {
    const log: string[] = [];
    const lines: string[] = [];
    const r = fakeStore('r', log);
    const s = new RoutedStore(fakeStore('p', log), [r], { retryMs: 50, log: (l) => lines.push(l) });
    r.failWith(err('25006', 'cannot execute INSERT in a read-only transaction'));
    assert.deepEqual(await s.query('SELECT f()'), [{ on: 'p' }]);
    assert.deepEqual(s.health(), { healthy: 1, down: 0 }, 'a refused write does not mark the replica down');
    r.failWith(err('42601', 'syntax error'));
    await assert.rejects(s.query('SELECT oops'), /syntax error/);
    r.failWith(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'));
    log.length = 0;
    assert.deepEqual(await s.query('SELECT 1'), [{ on: 'p' }]);
    assert.deepEqual(await s.query('SELECT 2'), [{ on: 'p' }]);
    assert.deepEqual(
      log,
      ['r:SELECT 1', 'p:SELECT 1', 'p:SELECT 2'],
      'no read waits on a replica known down',
    );
    assert.deepEqual(s.health(), { healthy: 0, down: 1 });
    await new Promise((ok) => setTimeout(ok, 130)); // probes fail: still down
    assert.deepEqual(s.health(), { healthy: 0, down: 1 });
    r.failWith(null);
    await new Promise((ok) => setTimeout(ok, 130));
    assert.deepEqual(s.health(), { healthy: 1, down: 0 });
    assert.deepEqual(await s.query('SELECT 3'), [{ on: 'r' }]);
    assert.equal(lines.length, 2, lines.join('\n')); // one line per change of state
    assert.match(lines[0]!, /read replica r unreachable \(connect ECONNREFUSED.*reads go to the primary/);
    assert.match(lines[1]!, /read replica r is back/);
    // a replica without the database is as good as down
    r.failWith(err('3D000', 'database "batid" does not exist'));
    assert.deepEqual(await s.query('SELECT 4'), [{ on: 'p' }]);
    assert.deepEqual(s.health(), { healthy: 0, down: 1 });
    await s.close();
  });
});

describe('batid serve --read-url: usage errors', () => {
  test('is refused on the embedded database (exit 2), from the flag or BATID_READ_URL', () => {
    for (const [args, env] of [
      [['--read-url', 'postgres://replica/x'], {}],
      [[], { BATID_READ_URL: 'postgres://replica/x,postgres://replica2/x' }],
    ] as const) {
      const r = spawnSync(process.execPath, [...CLI, '--db', '/nonexistent', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: '', ...env },
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--read-url \(or BATID_READ_URL\) needs a PostgreSQL server as primary/);
    }
    const bad = spawnSync(process.execPath, [...CLI, '--read-url', 'mysql://x'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: 'postgres://unused/x' },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /must be postgres:\/\/ URLs \(got "mysql:\/\/x"\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// A primary and a streaming replica (two PostgreSQL 15 clusters on loopback ports)

function skipReason(): string | false {
  if (!serverUrl()) return 'no TEST_DATABASE_URL/DATABASE_URL: PostgreSQL tests are off';
  if (!existsSync(join(PG_BIN, 'initdb'))) return `no PostgreSQL 15 binaries in ${PG_BIN}`;
  if (process.getuid?.() !== 0) return 'not root: cannot run the clusters as the postgres user';
  return false;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** A PostgreSQL binary as the postgres user; throws with its output when it fails. */
function pgBin(cmd: string, args: string[]): string {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe('batid serve --read-url [primary + streaming replica]', { skip: skipReason() }, () => {
  let dir: string;
  let primaryUrl: string;
  let replicaUrl: string;
  const started: string[] = [];
  let child: ChildProcess | null = null;
  let stderr = '';
  let base: string;
  let adminToken: string;
  let batids: string[];
  let constructed: number;
  let point: { lon: number; lat: number };

  const replicaLsnCaughtUp = async () => {
    const [p] = await sql<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const [r] = await sql<{ ok: boolean }>(
      replicaUrl,
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
      [p!.lsn],
    );
    return r!.ok;
  };
  const pauseReplay = async () => {
    await sql(replicaUrl, 'SELECT pg_wal_replay_pause()');
    await until('replay paused', async () => {
      const [r] = await sql<{ s: string }>(replicaUrl, 'SELECT pg_get_wal_replay_pause_state() AS s');
      return r!.s === 'paused';
    });
  };
  const resumeReplay = async () => {
    await sql(replicaUrl, 'SELECT pg_wal_replay_resume()');
    await until('the replica caught up', replicaLsnCaughtUp);
  };
  const get = async (path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const health = async () => (await get('/v1/health')).body as { buildings: number; read_replicas: unknown };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batid-replica-'));
    spawnSync('chown', ['postgres:postgres', dir]);
    const [pport, rport] = [await freePort(), await freePort()];
    const primary = join(dir, 'primary');
    const replica = join(dir, 'replica');
    pgBin('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const conf = (port: number) =>
      [
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'hot_standby = on',
        'fsync = off',
        'shared_buffers = 32MB',
        'max_connections = 60',
        '',
      ].join('\n');
    spawnSync('runuser', ['-u', 'postgres', '--', 'sh', '-c', `cat >> ${primary}/postgresql.conf`], {
      input: conf(pport),
    });
    pgBin('pg_ctl', ['-D', primary, '-w', '-l', join(dir, 'primary.log'), 'start']);
    started.push(primary);
    primaryUrl = `postgres://postgres@127.0.0.1:${pport}/batid_rr`;
    replicaUrl = `postgres://postgres@127.0.0.1:${rport}/batid_rr`;
    await sql(`postgres://postgres@127.0.0.1:${pport}/postgres`, 'CREATE DATABASE batid_rr');

    // migrations, a small synthetic département and an admin key, on the primary
    await synthesize({ dept: '03', scale: 0.005, seed: 1, out: join(dir, 's') });
    const store = await openStore({ databaseUrl: primaryUrl });
    try {
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 's')],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r.csv'),
      });
      ({ token: adminToken } = await createKey(store, { role: 'admin', label: 'replica test' }));
      batids = (
        await store.query<{ batid: string }>(
          `SELECT batid FROM batid.building WHERE status = 'constructed' AND batiment_groupe_id IS NOT NULL ORDER BY batid LIMIT 3`,
        )
      ).map((r) => r.batid);
      point = (
        await store.query<{ lon: number; lat: number }>(
          `SELECT ST_X(p) AS lon, ST_Y(p) AS lat
           FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM batid.building WHERE batid = $1) x`,
          [batids[0]],
        )
      )[0]!;
      constructed = (
        await store.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM batid.building WHERE status = 'constructed'`,
        )
      )[0]!.n;
    } finally {
      await store.close();
    }

    // the replica: a base backup of the primary, streaming from it
    pgBin('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(pport),
      '-U',
      'postgres',
      '-D',
      replica,
      '-R',
      '-X',
      'stream',
      '--no-sync',
      '--checkpoint=fast',
    ]);
    spawnSync('runuser', ['-u', 'postgres', '--', 'sh', '-c', `cat >> ${replica}/postgresql.conf`], {
      input: `port = ${rport}\n`,
    });
    pgBin('pg_ctl', ['-D', replica, '-w', '-l', join(dir, 'replica.log'), 'start']);
    started.push(replica);
    // a fresh replica's first catch-up: 20 s was not always enough with the whole suite on two cores
    await until('the replica caught up', replicaLsnCaughtUp, 60_000);
    assert.deepEqual(await sql(replicaUrl, 'SELECT pg_is_in_recovery() AS standby'), [{ standby: true }]);

    child = spawn(process.execPath, [...CLI, '--port', '0', '--log', 'silent', '--read-url', replicaUrl], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1', DATABASE_URL: primaryUrl, BATID_READ_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    base = await new Promise<string>((ok, fail) => {
      let out = '';
      child!.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /BatID serving on (http:\/\/\S+)[^]*address index ready/.exec(out);
        if (m) ok(m[1]!);
      });
      child!.once('exit', (code) => fail(new Error(`serve ended (${code}): ${out}${stderr}`)));
    });
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const ended = new Promise((ok) => child!.once('exit', ok));
      child.kill('SIGKILL');
      await ended;
    }
    for (const d of started.reverse())
      spawnSync(
        'runuser',
        ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', d, '-m', 'immediate', 'stop'],
        {
          stdio: 'ignore',
        },
      );
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('reads are answered by the replica: a change on the primary shows only once replayed', async () => {
    assert.deepEqual((await health()).read_replicas, { healthy: 1, down: 0 });
    assert.equal((await health()).buildings, constructed);
    const before = await get(`/v1/buildings/${batids[0]}`);
    assert.equal(before.status, 200);
    assert.equal(before.body.status, 'constructed');

    await pauseReplay();
    try {
      await sql(primaryUrl, `UPDATE batid.building SET status = 'demolished' WHERE batid = $1`, [batids[0]]);
      // the service answers from the replica, which has not replayed the change
      assert.equal((await health()).buildings, constructed);
      assert.equal((await get(`/v1/buildings/${batids[0]}`)).body.status, 'constructed');
      const at = await get(`/v1/buildings/at?lon=${point.lon}&lat=${point.lat}`);
      assert.equal(at.status, 200, JSON.stringify(at.body));
      assert.match(JSON.stringify(at.body), new RegExp(batids[0]!));
    } finally {
      await resumeReplay();
    }
    assert.equal((await health()).buildings, constructed - 1);
    assert.equal((await get(`/v1/buildings/${batids[0]}`)).body.status, 'demolished');
    constructed -= 1;
  });

  test('a write route lands on the primary, is read back there at once, and reaches the replica', async () => {
    await pauseReplay();
    let id: string;
    let token: string;
    try {
      const res = await fetch(`${base}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'pro', label: 'made through a replica-routed server' }),
      });
      assert.equal(res.status, 201);
      ({ id, token } = (await res.json()) as { id: string; token: string });
      const q = 'SELECT count(*)::int AS n FROM access.api_key WHERE id = $1';
      assert.deepEqual(await sql(primaryUrl, q, [id]), [{ n: 1 }]);
      assert.deepEqual(await sql(replicaUrl, q, [id]), [{ n: 0 }], 'the replica has not replayed it');
      // read your writes: the routes of API-written data and the key check read the primary
      const keys = await get('/v1/keys', adminToken);
      assert.ok((keys.body.results as { id: string }[]).some((k) => k.id === id));
      assert.equal((await get(`/v1/buildings/${batids[1]}`, token)).status, 200, 'the new key works at once');
      // a write whose answer is read back after the body was parsed (a project and its detail)
      const created = await fetch(`${base}/v1/projects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        // a body of several TCP segments: read in other async contexts than the request's
        body: JSON.stringify({
          batid: batids[1],
          title: 'read back on the primary',
          pad: 'x'.repeat(600_000),
        }),
      });
      const project = (await created.json()) as { title?: string };
      assert.equal(created.status, 201, JSON.stringify(project));
      assert.equal(project.title, 'read back on the primary');
    } finally {
      await resumeReplay();
    }
    assert.deepEqual(await sql(replicaUrl, 'SELECT label FROM access.api_key WHERE id = $1', [id]), [
      { label: 'made through a replica-routed server' },
    ]);
  });

  test('the replica going away: reads keep answering from the primary; back: reads go to it again', async () => {
    const replica = join(dir, 'replica');
    pgBin('pg_ctl', ['-D', replica, '-m', 'immediate', 'stop']);
    for (const b of batids) {
      const card = await get(`/v1/buildings/${b}`);
      assert.equal(card.status, 200, JSON.stringify(card.body));
    }
    const h = await health();
    assert.deepEqual(h.read_replicas, { healthy: 0, down: 1 });
    assert.equal(h.buildings, constructed);
    assert.match(stderr, /read replica \S+ unreachable \(.*\): reads go to the primary/);

    pgBin('pg_ctl', ['-D', replica, '-w', '-l', join(dir, 'replica.log'), 'start']);
    await until('the service to take the replica back', async () => {
      return JSON.stringify((await health()).read_replicas) === JSON.stringify({ healthy: 1, down: 0 });
    });
    assert.match(stderr, /read replica \S+ is back: reads go to it again/);
    await until('the replica caught up', replicaLsnCaughtUp);
    await pauseReplay();
    try {
      await sql(primaryUrl, `UPDATE batid.building SET status = 'demolished' WHERE batid = $1`, [batids[2]]);
      assert.equal((await health()).buildings, constructed, 'answered by the (paused) replica');
      assert.equal((await get(`/v1/buildings/${batids[2]}`)).body.status, 'constructed');
    } finally {
      await resumeReplay();
    }
    assert.equal((await health()).buildings, constructed - 1);
    assert.equal(stderr.match(/unreachable/g)?.length, 1, stderr);

    const ended = new Promise<number | null>((ok) => child!.once('exit', (code) => ok(code)));
    child!.kill('SIGTERM');
    assert.equal(await ended, 0);
  });
});
