import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { makeTempDir, PID_SPACE, sweepTempDirs } from '../../src/util/temp-dir.js';

/** The PID of a process that has exited (a child that ran and was reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

test('sweepTempDirs removes the dirs of gone processes and old dirs of others, nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sweep-test-'));
  try {
    const gone = deadPid();
    const hour = 3600_000;
    const now = Date.now();
    const other = PID_SPACE === 'abcdef01' ? 'abcdef02' : 'abcdef01';
    /** A dir holding a 1,000-byte file, both last written `ageMs` ago. */
    const made = async (name: string, ageMs = 0) => {
      const p = join(dir, name);
      await mkdir(p);
      await writeFile(join(p, 'results.xlsx'), Buffer.alloc(1000));
      const t = (now - ageMs) / 1000;
      await utimes(join(p, 'results.xlsx'), t, t);
      await utimes(p, t, t);
    };
    await made(`batid-results-${PID_SPACE}-${gone}-aB3dE9`); // its process is gone: removed
    await made(`batid-xlsx-${PID_SPACE}-${gone}-zzzzzz`); // same
    await made(`batid-directory-${PID_SPACE}-${process.pid}-qwErty`); // this process's: kept
    // this PID, written before this process started (a restarted container's PID): removed
    await made(`batid-results-${PID_SPACE}-${process.pid}-oldOne`, 2 * hour);
    await made(`batid-results-${PID_SPACE}-${process.ppid}-abcdef`, 48 * hour); // a live process: kept, however old
    await made(`batid-results-${other}-${gone}-abcdef`, hour); // another PID space, an hour old: kept
    await made(`batid-results-${other}-${process.pid}-ghijkl`, 25 * hour); // another space, a day old: removed
    await made('batid-results-Xy12ab', 48 * hour); // no PID, two days old: removed
    await made('batid-results-Qw34cd', hour); // no PID, an hour old: kept
    await made(`batid-test-${gone}-abcdef`, 48 * hour); // not a kind swept: kept
    await made('unrelated-dir', 48 * hour);
    // an old dir whose file was written a minute ago is in use: kept
    await made('batid-xlsx-Mn56op', 48 * hour);
    await utimes(
      join(dir, 'batid-xlsx-Mn56op', 'results.xlsx'),
      (now - 60_000) / 1000,
      (now - 60_000) / 1000,
    );

    const r = await sweepTempDirs({ dir, now, startedAt: now - hour });
    assert.deepEqual(r, { removed: 5, bytes: 5000 });
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [
        `batid-directory-${PID_SPACE}-${process.pid}-qwErty`,
        `batid-results-${PID_SPACE}-${process.ppid}-abcdef`,
        `batid-results-${other}-${gone}-abcdef`,
        'batid-results-Qw34cd',
        'batid-xlsx-Mn56op',
        `batid-test-${gone}-abcdef`,
        'unrelated-dir',
      ].sort(),
    );
    // a second sweep finds nothing more
    assert.deepEqual(await sweepTempDirs({ dir, now, startedAt: now - hour }), { removed: 0, bytes: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('makeTempDir names the dir after this process and its PID space (the name the sweep reads)', async () => {
  const d = await makeTempDir('results');
  try {
    assert.match(basename(d), new RegExp(`^batid-results-${PID_SPACE}-${process.pid}-[A-Za-z0-9]{6}$`));
    assert.match(PID_SPACE, /^[0-9a-f]{8}$/);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
