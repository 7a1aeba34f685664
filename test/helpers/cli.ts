import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import type { Backend } from './backends.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** `batid COMMAND ARGS…` from the sources (through tsx) on a test backend's database, run to its end. */
export function batidCli(
  backend: Backend,
  command: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const conn = backend.connection();
  return spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/batid-dev.ts',
      command,
      ...args,
      ...(conn.dbDir ? ['--db', conn.dbDir] : []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: conn.databaseUrl ?? '', ...extraEnv },
      encoding: 'utf8',
    },
  );
}
