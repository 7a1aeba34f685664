import { statSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The kinds of temp dirs BatID makes for a file it writes before sending or storing it. */
export type TempKind = 'results' | 'xlsx' | 'directory';

/**
 * Where this process's PIDs mean something: the host name and the PID namespace (a container
 * sharing /tmp with the host or another container sees other PIDs), as 8 hex digits.
 */
function pidSpace(): string {
  let ns = '';
  try {
    ns = String(statSync('/proc/self/ns/pid').ino);
  } catch {
    // not Linux: the host name alone
  }
  return createHash('sha1').update(`${hostname()}/${ns}`).digest('hex').slice(0, 8);
}
/** This process's PID space, as it appears in its temp dirs' names. */
export const PID_SPACE = pidSpace();

/**
 * `batid-KIND-SPACE-PID-XXXXXX`: the process that made it and where its PID means something are
 * in the name, so that a later process can tell it is gone.
 */
const OWNED = /^batid-(?:results|xlsx|directory)-([0-9a-f]{8})-(\d+)-[A-Za-z0-9]{6}$/;
/** Names of before the PID was in them (2026-12-02) and dirs of other PID spaces: judged by age. */
const AGED = /^batid-(?:results|xlsx|directory)-(?:[0-9a-f]{8}-\d+-)?[A-Za-z0-9]{6}$/;
/** A temp dir nothing has written in for this long is no one's any more. */
const MAX_AGE_MS = 24 * 3600_000;

/** A new temp dir of this process (remove it when done; `sweepTempDirs` removes it if the process dies first). */
export function makeTempDir(kind: TempKind): Promise<string> {
  return mkdtemp(join(tmpdir(), `batid-${kind}-${PID_SPACE}-${process.pid}-`));
}

/** Whether a process with this PID exists (in this PID space; EPERM: it exists, owned by another user). */
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

/** Bytes under a directory and the last time anything in it was written (files only for bytes). */
async function usage(dir: string): Promise<{ bytes: number; newest: number }> {
  const out = { bytes: 0, newest: (await stat(dir).catch(() => null))?.mtimeMs ?? 0 };
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const u = await usage(p);
      out.bytes += u.bytes;
      out.newest = Math.max(out.newest, u.newest);
    } else {
      const s = await stat(p).catch(() => null);
      out.bytes += s?.size ?? 0;
      out.newest = Math.max(out.newest, s?.mtimeMs ?? 0);
    }
  }
  return out;
}

/**
 * Removes the temp dirs that a BatID process killed before its cleanup left behind (a bulk job's
 * workbook can be hundreds of MB): in this PID space, those whose process no longer exists, or
 * that carry this process's PID but are older than it (a restarted container often gets the
 * same PID); others — older names without a PID, dirs of another host or container sharing this
 * temp dir — once nothing has been written in them for a day. Conservative: a PID that exists
 * again (reused) keeps its dirs; anything else in the temp dir is left alone. Run at `batid
 * serve` start (the primary only).
 */
export async function sweepTempDirs(
  o: {
    dir?: string;
    now?: number;
    isAlive?: (pid: number) => boolean;
    /** when this process started (ms since the epoch) */
    startedAt?: number;
  } = {},
): Promise<SweepResult> {
  const dir = o.dir ?? tmpdir();
  const now = o.now ?? Date.now();
  const isAlive = o.isAlive ?? alive;
  const startedAt = o.startedAt ?? now - process.uptime() * 1000;
  const out: SweepResult = { removed: 0, bytes: 0 };
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory()) continue;
    const owned = OWNED.exec(e.name);
    const path = join(dir, e.name);
    if (!owned && !AGED.test(e.name)) continue;
    const pid = owned?.[1] === PID_SPACE ? Number(owned[2]) : null;
    // a live process of this space keeps its dirs: nothing to read in them
    if (pid !== null && pid !== process.pid && isAlive(pid)) continue;
    const u = await usage(path);
    // a second's margin: mtime and the start time are read from different clocks' roundings
    if (pid === process.pid && u.newest >= startedAt - 1000) continue;
    if (pid === null && now - u.newest <= MAX_AGE_MS) continue;
    try {
      await rm(path, { recursive: true });
      out.removed++;
      out.bytes += u.bytes;
    } catch {
      // another process removed it first, or it is not ours to remove: left alone
    }
  }
  return out;
}
