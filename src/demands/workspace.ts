/**
 * The operator workspace (issue 11 §2): the demands a key may see (demand-scope.ts), one demand
 * with its history, status changes and comments. Every read of personal data and every change is
 * written to the audit trail (`access.audit`, one row per demand), with ids and status codes only:
 * the trail outlives the demands' erasure, so it never copies a name, an address or a comment.
 */
import type { Actor } from '../auth/audit.js';
import { audit } from '../auth/audit.js';
import type { ApiKey } from '../auth/keys.js';
import type { Queryable, Store } from '../store/store.js';
import {
  CLOSED_STATUSES,
  STATUSES,
  type DemandDetail,
  type DemandEvent,
  type DemandStatus,
  type DemandSummary,
} from './api-types.js';
import { DemandInputError } from './demand-input.js';
import { DEMAND_COLS, eventStatusOf, isoOf, summaryOf, type DemandRow } from './demand-rows.js';
import { scopeSql } from './demand-scope.js';

export type WorkspaceKey = Pick<ApiKey, 'id' | 'label' | 'role' | 'territories' | 'networks'>;

export class DemandNotFoundError extends Error {
  constructor(id: string) {
    super(`no demand ${id}`);
  }
}

export function statusOf(v: unknown, field = 'status'): DemandStatus {
  if (typeof v !== 'string' || !(STATUSES as readonly string[]).includes(v))
    throw new DemandInputError(field, `expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(v)}`);
  return v as DemandStatus;
}

/** One audit row per demand shown to the key, in one statement. */
export async function auditReads(
  db: Queryable,
  actor: Actor,
  ids: readonly string[],
  via: string,
): Promise<void> {
  if (!ids.length) return;
  await db.query(
    `INSERT INTO access.audit (key_id, key_label, action, entity, entity_id, code_departement_insee, after)
     SELECT $1, $2, 'read', 'demand', d.id, d.code_departement_insee, jsonb_build_object('via', $4::text)
       FROM demands.demand d WHERE d.id = ANY($3::text[]) ORDER BY d.id`,
    [actor.id, actor.label, ids, via],
  );
}

export interface DemandFilter {
  status?: readonly string[];
  /** Demands changed (created, status, comment) at or after this instant. */
  since?: string;
  network?: string;
  limit?: number;
  cursor?: string;
}

const encodeCursor = (createdAt: string, id: string) =>
  Buffer.from(`${createdAt}|${id}`).toString('base64url');
function decodeCursor(c: string): [string, string] {
  const [at, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)))
    throw new DemandInputError('cursor', 'not a cursor of this list');
  return [at, id];
}

export function sinceOf(v: string, field = 'since'): string {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t))
    throw new DemandInputError(field, `expected an ISO 8601 date or instant, got ${JSON.stringify(v)}`);
  return new Date(t).toISOString();
}

/** The WHERE of a filtered list in the key's scope (cursor and limit aside). */
function filterSql(key: WorkspaceKey, f: DemandFilter, params: unknown[]): string {
  const where = [scopeSql(key, 'd', params)];
  if (f.status?.length)
    where.push(`d.status = ANY($${params.push(f.status.map((s) => statusOf(s)))}::text[])`);
  if (f.since) where.push(`d.updated_at >= $${params.push(sinceOf(f.since))}::timestamptz`);
  if (f.network) where.push(`d.network_sncu_id = $${params.push(f.network.toUpperCase())}`);
  return where.join(' AND ');
}

/** A page of the key's demands, newest first; `next_cursor` pages on (stable: by creation). */
export async function listDemands(
  db: Queryable,
  key: WorkspaceKey,
  f: DemandFilter,
): Promise<{ results: DemandSummary[]; next_cursor: string | null }> {
  const params: unknown[] = [];
  const where = [filterSql(key, f, params)];
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    where.push(`(d.created_at, d.id) < ($${params.push(at)}::timestamptz, $${params.push(id)})`);
  }
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 500);
  params.push(limit + 1);
  const rows = await db.query<DemandRow>(
    `SELECT ${DEMAND_COLS} FROM demands.demand d WHERE ${where.join(' AND ')}
      ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  await auditReads(
    db,
    key,
    page.map((r) => r.id),
    'list',
  );
  const last = page[page.length - 1];
  return {
    results: page.map(summaryOf),
    next_cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

/** Every demand of the filter (no paging), for the exports; audited as read. */
export async function demandsForExport(
  db: Queryable,
  key: WorkspaceKey,
  f: DemandFilter,
  via: string,
  max = 100_000,
): Promise<DemandSummary[]> {
  const params: unknown[] = [];
  const where = filterSql(key, f, params);
  params.push(max);
  const rows = await db.query<DemandRow>(
    `SELECT ${DEMAND_COLS} FROM demands.demand d WHERE ${where}
      ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  await auditReads(
    db,
    key,
    rows.map((r) => r.id),
    via,
  );
  return rows.map(summaryOf);
}

async function rowForKey(db: Queryable, key: WorkspaceKey, id: string, lock = false): Promise<DemandRow> {
  const params: unknown[] = [id];
  const scope = scopeSql(key, 'd', params);
  const [row] = await db.query<DemandRow>(
    `SELECT ${DEMAND_COLS} FROM demands.demand d WHERE d.id = $1 AND ${scope}${lock ? ' FOR UPDATE' : ''}`,
    params,
  );
  if (!row) throw new DemandNotFoundError(id);
  return row;
}

/** One demand with its history and reminders, if the key may see it (else DemandNotFoundError). */
export async function demandForKey(db: Queryable, key: WorkspaceKey, id: string): Promise<DemandDetail> {
  const row = await rowForKey(db, key, id);
  const events = await db.query<{
    id: number;
    at: string;
    kind: DemandEvent['kind'];
    from_status: DemandStatus | null;
    status: DemandStatus | null;
    text: string | null;
    visible_to_requester: boolean;
    key_id: string;
    key_label: string;
  }>(
    `SELECT id, ${isoOf('at')} AS at, kind, from_status, status, text, visible_to_requester, key_id, key_label
       FROM demands.event WHERE demand_id = $1 ORDER BY at, id`,
    [id],
  );
  const reminders = await db.query<DemandDetail['reminders'][number]>(
    `SELECT rank, ${isoOf('period_start')} AS period_start, ${isoOf('sent_at')} AS sent_at
       FROM demands.reminder WHERE demand_id = $1 ORDER BY sent_at, rank`,
    [id],
  );
  await auditReads(db, key, [id], 'item');
  return {
    ...summaryOf(row),
    events: events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      from_status: e.from_status,
      ...eventStatusOf(e.kind, e.status),
      text: e.text,
      visible_to_requester: e.visible_to_requester,
      author: { key_id: e.key_id, label: e.key_label },
    })),
    reminders,
  };
}

export interface CommentInput {
  text: string;
  visibleToRequester: boolean;
}

export function commentOf(text: unknown, visible: unknown): CommentInput {
  if (typeof text !== 'string' || !text.trim())
    throw new DemandInputError('text', 'expected the text of the comment');
  if (text.trim().length > 5000)
    throw new DemandInputError('text', `at most 5000 characters, got ${text.trim().length}`);
  if (visible !== undefined && typeof visible !== 'boolean')
    throw new DemandInputError(
      'visible_to_requester',
      `expected true or false, got ${JSON.stringify(visible)}`,
    );
  return { text: text.trim(), visibleToRequester: visible === true };
}

async function insertComment(
  tx: Queryable,
  key: WorkspaceKey,
  row: DemandRow,
  c: CommentInput,
  at: string,
): Promise<number> {
  const [e] = await tx.query<{ id: number }>(
    `INSERT INTO demands.event (demand_id, at, kind, text, visible_to_requester, key_id, key_label)
     VALUES ($1, $2::timestamptz, 'comment', $3, $4, $5, $6) RETURNING id`,
    [row.id, at, c.text, c.visibleToRequester, key.id, key.label],
  );
  await audit(tx, key, {
    action: 'create',
    entity: 'demand_comment',
    entity_id: String(e!.id),
    dept: row.code_departement_insee,
    after: { demand_id: row.id, visible_to_requester: c.visibleToRequester },
  });
  return e!.id;
}

/**
 * Changes the status (and adds a comment with it, if given). The same status again changes
 * nothing (a CRM may send it twice). Closing stamps closed_at (retention), reopening clears it.
 */
export async function changeStatus(
  store: Store,
  key: WorkspaceKey,
  id: string,
  input: { status: unknown; comment?: CommentInput | null },
  opts: { now?: Date } = {},
): Promise<void> {
  const status = statusOf(input.status);
  const at = (opts.now ?? new Date()).toISOString();
  await store.transaction(async (tx) => {
    const row = await rowForKey(tx, key, id, true);
    if (status !== row.status) {
      await tx.query(
        `UPDATE demands.demand SET status = $2, status_changed_at = $3::timestamptz, updated_at = $3::timestamptz,
                closed_at = CASE WHEN $4 THEN $3::timestamptz END
          WHERE id = $1`,
        [id, status, at, CLOSED_STATUSES.has(status)],
      );
      await tx.query(
        `INSERT INTO demands.event (demand_id, at, kind, from_status, status, visible_to_requester, key_id, key_label)
         VALUES ($1, $2::timestamptz, 'status', $3, $4, true, $5, $6)`,
        [id, at, row.status, status, key.id, key.label],
      );
      await audit(tx, key, {
        action: 'update',
        entity: 'demand',
        entity_id: id,
        dept: row.code_departement_insee,
        before: { status: row.status },
        after: { status },
      });
    }
    if (input.comment) {
      await insertComment(tx, key, row, input.comment, at);
      await tx.query('UPDATE demands.demand SET updated_at = $2::timestamptz WHERE id = $1', [id, at]);
    }
  });
}

/** Adds a dated comment (internal, or shown to the requester); returns its id. */
export async function addComment(
  store: Store,
  key: WorkspaceKey,
  id: string,
  c: CommentInput,
  opts: { now?: Date } = {},
): Promise<{ id: number; at: string }> {
  const at = (opts.now ?? new Date()).toISOString();
  return store.transaction(async (tx) => {
    const row = await rowForKey(tx, key, id, true);
    const eventId = await insertComment(tx, key, row, c, at);
    await tx.query('UPDATE demands.demand SET updated_at = $2::timestamptz WHERE id = $1', [id, at]);
    return { id: eventId, at };
  });
}
