import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { makeTempDir, sweepTempDirs } from '../../src/util/temp-dir.js';

/** The PID of a process that has exited (a child that ran and was reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

test('sweepTempDirs removes the dirs of gone processes and old PID-less ones, nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sweep-test-'));
  try {
    const gone = deadPid();
    const day = 24 * 3600_000;
    const now = Date.now();
    const made = async (name: string, ageMs = 0) => {
      const p = join(dir, name);
      await mkdir(p);
      await writeFile(join(p, 'results.xlsx'), Buffer.alloc(1000));
      if (ageMs) await utimes(p, (now - ageMs) / 1000, (now - ageMs) / 1000);
    };
    await made(`batid-results-${gone}-aB3dE9`); // its process is gone: removed
    await made(`batid-xlsx-${gone}-zzzzzz`); // same
    await made(`batid-directory-${process.pid}-qwErty`); // this process: kept
    await made(`batid-results-${process.ppid}-abcdef`); // a live process (the parent): kept
    await made('batid-results-Xy12ab', 2 * day); // no PID, two days old: removed
    await made('batid-results-Qw34cd', 3600_000); // no PID, an hour old: kept
    await made(`batid-test-${gone}-abcdef`); // not a kind swept: kept
    await made('unrelated-dir');
    const r = await sweepTempDirs({ dir, now });
    assert.deepEqual(r, { removed: 3, bytes: 3000 });
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [
        `batid-directory-${process.pid}-qwErty`,
        `batid-results-${process.ppid}-abcdef`,
        'batid-results-Qw34cd',
        `batid-test-${gone}-abcdef`,
        'unrelated-dir',
      ].sort(),
    );
    // a second sweep finds nothing more
    assert.deepEqual(await sweepTempDirs({ dir, now }), { removed: 0, bytes: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('makeTempDir names the dir after this process (the name the sweep reads)', async () => {
  const d = await makeTempDir('results');
  try {
    assert.match(basename(d), new RegExp(`^batid-results-${process.pid}-[A-Za-z0-9]{6}$`));
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
