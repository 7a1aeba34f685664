/**
 * Durable jobs in jobs.job (migrations/0006_jobs.sql): created pending with their input, claimed
 * by one process at a time (FOR UPDATE SKIP LOCKED, so several server processes share the
 * queue), kept alive by a heartbeat, and freed for another process when the heartbeat is stale.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable, Store } from '../store/store.js';
import { jobFilesDir, putJobFile, readJobFile } from './job-files.js';
import { readParts, writeParts } from './parts.js';

export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

/** A running job whose process has not said anything for this long is taken over. */
export const STALE_AFTER_S = 60;

export interface JobInfo {
  id: string;
  kind: 'eligibility_bulk';
  status: JobStatus;
  input_name: string;
  options: Record<string, unknown>;
  reading: Record<string, unknown> | null;
  rows_total: number | null;
  rows_done: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const INFO = `id, kind, status, input_name, options, reading, rows_total, rows_done, error,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at`;

/** This process, as written in jobs.job.worker. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

export function sha256(bytes: Uint8Array, options: object): string {
  return createHash('sha256').update(bytes).update(JSON.stringify(options)).digest('hex');
}

/**
 * A new pending bulk eligibility job holding its input file; its id. The file goes first — beside
 * an embedded database (job-files.ts), in parts in a server's (parts.ts) — and the job's row last:
 * a job is claimable only with its whole input, and no transaction holds PGlite's single engine
 * while a 50 MB upload goes in. A process that dies in between leaves the input of no job, which
 * nothing reads.
 */
export async function createEligibilityJob(
  db: Store,
  input: { name: string; bytes: Uint8Array; options: object },
): Promise<string> {
  const id = randomUUID();
  const dir = jobFilesDir(db);
  if (dir) await putJobFile(dir, id, 'input', { bytes: input.bytes });
  else await writeParts(db, 'jobs.job_input', id, input.bytes);
  await db.query(
    `INSERT INTO jobs.job (id, kind, status, input_name, input_sha256, options)
     VALUES ($1, 'eligibility_bulk', 'pending', $2, $3, $4::jsonb)`,
    [id, input.name, sha256(input.bytes, input.options), JSON.stringify(input.options)],
  );
  return id;
}

/**
 * A job's input file: beside an embedded database, else its parts, or the one value of a job
 * created before them (migration 0015). All of it is there: it was written before the job's row
 * (createEligibilityJob).
 */
export async function jobInput(db: Store, id: string): Promise<Buffer> {
  const dir = jobFilesDir(db);
  const file = dir ? await readJobFile(dir, id, 'input') : null;
  if (file) return file;
  const [j] = await db.query<{ parts: number; legacy: string | null }>(
    `SELECT (SELECT count(*)::int FROM jobs.job_input i WHERE i.job_id = $1) AS parts,
            CASE WHEN j.input IS NULL THEN NULL ELSE encode(j.input, 'base64') END AS legacy
       FROM jobs.job j WHERE j.id = $1`,
    [id],
  );
  if (!j) throw new Error(`no job ${id}`);
  if (j.legacy !== null) return Buffer.from(j.legacy, 'base64');
  const parts: Buffer[] = [];
  for await (const b of readParts(db, 'jobs.job_input', id, j.parts)) parts.push(b);
  return Buffer.concat(parts);
}

export async function jobInfo(db: Queryable, id: string): Promise<JobInfo | null> {
  const [r] = await db.query<JobInfo>(`SELECT ${INFO} FROM jobs.job WHERE id = $1`, [id]);
  return r ?? null;
}

/** An unfinished job with this very input and options (the CLI resumes it rather than starting over). */
export async function unfinishedJobFor(
  db: Queryable,
  bytes: Uint8Array,
  options: object,
): Promise<string | null> {
  const [r] = await db.query<{ id: string }>(
    `SELECT id FROM jobs.job WHERE input_sha256 = $1 AND status IN ('pending', 'running')
      ORDER BY created_at DESC LIMIT 1`,
    [sha256(bytes, options)],
  );
  return r?.id ?? null;
}

/**
 * Takes a job for this process: the given one (if it is not done and nobody live holds it), or
 * the oldest pending one, or one whose process went silent. Null when there is none.
 */
export async function claimJob(db: Queryable, id?: string): Promise<string | null> {
  const [r] = await db.query<{ id: string }>(
    `UPDATE jobs.job SET status = 'running', worker = $1, heartbeat_at = now(), started_at = coalesce(started_at, now())
      WHERE id = (SELECT id FROM jobs.job
                   WHERE ($2::text IS NULL OR id = $2)
                     AND (status = 'pending'
                          OR (status = 'running' AND (worker = $1 OR heartbeat_at < now() - make_interval(secs => $3))))
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [WORKER_ID, id ?? null, STALE_AFTER_S],
  );
  return r?.id ?? null;
}

/**
 * Frees a running job whose worker was a process of this machine that no longer exists (killed,
 * crashed): it is taken over at once instead of after STALE_AFTER_S. True when it was freed.
 */
export async function releaseIfWorkerDead(db: Queryable, id: string): Promise<boolean> {
  const [r] = await db.query<{ worker: string | null }>(
    `SELECT worker FROM jobs.job WHERE id = $1 AND status = 'running'`,
    [id],
  );
  const m = r?.worker ? /^(.*):(\d+)$/.exec(r.worker) : null;
  if (!m || m[1] !== hostname() || processAlive(Number(m[2]))) return false;
  const freed = await db.query(
    `UPDATE jobs.job SET status = 'pending', worker = NULL WHERE id = $1 AND status = 'running' AND worker = $2
     RETURNING id`,
    [id, r!.worker],
  );
  return freed.length > 0;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The job's committed progress: its rows, and how many of them are eligible (migration 0018). */
export async function heartbeat(
  db: Queryable,
  id: string,
  rowsDone: number,
  eligibleDone: number,
): Promise<void> {
  await db.query(
    `UPDATE jobs.job SET rows_done = $2, eligible_done = $3, heartbeat_at = now() WHERE id = $1`,
    [id, rowsDone, eligibleDone],
  );
}

/**
 * How many of a job's first `rowsDone` rows are eligible, to resume it: kept with its progress
 * (heartbeat), or counted from its chunks when a process from before migration 0018 wrote it.
 */
export async function eligibleDone(db: Queryable, id: string, rowsDone: number): Promise<number> {
  const [j] = await db.query<{ n: number }>(
    `SELECT coalesce(j.eligible_done,
              (SELECT coalesce(sum(c.eligible), 0)::int FROM jobs.eligibility_chunk c
                WHERE c.job_id = j.id AND c.first_row < $2)) AS n
       FROM jobs.job j WHERE j.id = $1`,
    [id, rowsDone],
  );
  return j?.n ?? 0;
}

export async function finishJob(db: Queryable, id: string, error: string | null): Promise<void> {
  await db.query(
    `UPDATE jobs.job SET status = $2, error = $3, finished_at = now(), worker = NULL WHERE id = $1`,
    [id, error ? 'failed' : 'done', error],
  );
}

/** Gives a job back to the queue (this process stops); it resumes after its committed rows. */
export async function releaseJob(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE jobs.job SET status = 'pending', worker = NULL WHERE id = $1 AND status = 'running'`,
    [id],
  );
}
