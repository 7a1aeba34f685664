import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { postgresBackend, serverUrl, type Backend } from '../helpers/backends.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', 'scripts/batid-dev.ts', 'serve'];

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Resolves with stdout once `ready` lines were printed `n` times; rejects if the process ends first. */
function waitFor(child: ChildProcess, ready: string, n: number): Promise<string> {
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.split(ready).length - 1 >= n) ok(out);
    });
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => fail(new Error(`serve exited (${code}): ${out}${err}`)));
  });
}

function ended(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((ok) => child.once('exit', (code) => ok(code)));
}

describe('batid serve --workers', () => {
  test('is refused on the embedded database, with the reason', () => {
    const r = spawnSync(process.execPath, [...CLI, '--workers', '2', '--db', '/nonexistent'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--workers needs a PostgreSQL server/);
  });

  test('rejects a worker count that is not a positive integer', () => {
    const r = spawnSync(process.execPath, [...CLI, '--workers', 'many'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: 'postgres://unused/x' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--workers must be an integer 1…64, got "many"/);
  });
});

describe('batid serve --workers [postgres]', { skip: !serverUrl() && 'no PostgreSQL server' }, () => {
  let backend: Backend;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    backend = postgresBackend(serverUrl()!);
    await (await backend.open()).close();
    env = { ...process.env, DATABASE_URL: backend.connection().databaseUrl! };
  });
  after(async () => backend?.dispose());

  test('N processes share the port, all answer, and all stop on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [...CLI, '--workers', '2', '--port', String(port), '--log', 'silent'],
      {
        cwd: ROOT,
        env,
      },
    );
    try {
      const out = await waitFor(child, 'address index ready', 2);
      assert.equal(out.split('BatID serving on').length - 1, 2, out);
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/health`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      child.kill('SIGTERM');
      assert.equal(await ended(child), 0);
      const after = await fetch(`http://127.0.0.1:${port}/v1/health`).then(
        () => 'answered',
        () => 'refused',
      );
      assert.equal(after, 'refused');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a worker that cannot start stops the server with exit code 1 instead of a fork loop', async () => {
    const taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    const port = (taken.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [...CLI, '--workers', '2', '--port', String(port)], {
        cwd: ROOT,
        env,
      });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      child.stdout!.resume();
      assert.equal(await ended(child), 1);
      assert.match(err, /right after starting: stopping the server/);
      assert.match(err, /EADDRINUSE/);
    } finally {
      await new Promise((ok) => taken.close(ok));
    }
  });
});
