import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The kinds of temp dirs BatID makes for a file it writes before sending or storing it. */
export type TempKind = 'results' | 'xlsx' | 'directory';

/** `batid-KIND-PID-XXXXXX`: the process that made it is in the name, so that a later one can tell it is gone. */
const OWNED = /^batid-(?:results|xlsx|directory)-(\d+)-[A-Za-z0-9]{6}$/;
/** The names of before the PID was in them (2026-12-02): removed when older than LEGACY_AGE_MS. */
const LEGACY = /^batid-(?:results|xlsx|directory)-[A-Za-z0-9]{6}$/;
const LEGACY_AGE_MS = 24 * 3600_000;

/** A new temp dir of this process (remove it when done; `sweepTempDirs` removes it if the process dies first). */
export function makeTempDir(kind: TempKind): Promise<string> {
  return mkdtemp(join(tmpdir(), `batid-${kind}-${process.pid}-`));
}

/** Whether a process with this PID exists (on this host; EPERM: it exists, owned by another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SweepResult {
  removed: number;
  bytes: number;
}

/** Bytes under a directory (files only; what it held, for the log line). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(p);
    else
      total += await stat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/**
 * Removes the temp dirs that a BatID process killed before its cleanup left behind (a bulk job's
 * workbook can be hundreds of MB): those whose process no longer exists, and the older names
 * without a PID once a day old. Conservative: a PID that exists again (reused) keeps its dirs;
 * anything else in the temp dir is left alone. Run at `batid serve` start (the primary only).
 */
export async function sweepTempDirs(
  o: { dir?: string; now?: number; isAlive?: (pid: number) => boolean } = {},
): Promise<SweepResult> {
  const dir = o.dir ?? tmpdir();
  const now = o.now ?? Date.now();
  const isAlive = o.isAlive ?? alive;
  const out: SweepResult = { removed: 0, bytes: 0 };
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory()) continue;
    const owned = OWNED.exec(e.name);
    const path = join(dir, e.name);
    let stale = false;
    if (owned) {
      const pid = Number(owned[1]);
      stale = pid !== process.pid && !isAlive(pid);
    } else if (LEGACY.test(e.name)) {
      const s = await stat(path).catch(() => null);
      stale = !!s && now - s.mtimeMs > LEGACY_AGE_MS;
    }
    if (!stale) continue;
    const bytes = await sizeOf(path);
    try {
      await rm(path, { recursive: true });
      out.removed++;
      out.bytes += bytes;
    } catch {
      // another process removed it first, or it is not ours to remove: left alone
    }
  }
  return out;
}
