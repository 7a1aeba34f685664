#!/usr/bin/env node
// Runs node's test runner (through tsx) on test/<suite>/**/*.test.ts for each suite named.
// Integration tests run against every backend they can reach (see test/helpers/backends.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
if (!suites.length) {
  console.error('usage: node scripts/run-tests.js unit|integration|real|e2e …');
  process.exit(2);
}
function walk(dir) {
  let out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (n.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = suites.flatMap((s) => walk(join('test', s)));
if (!files.length) {
  console.error(`no test files in ${suites.map((s) => `test/${s}`).join(', ')}`);
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
process.exit(res.status ?? 1);
