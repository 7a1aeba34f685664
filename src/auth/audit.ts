import type { Queryable } from '../store/store.js';
import type { ApiKey } from './keys.js';

/** Who did it: a key, or the local command line. */
export type Actor = Pick<ApiKey, 'id' | 'label'>;
export const CLI_ACTOR: Actor = { id: 'cli', label: 'ligne de commande' };

export interface AuditEntry {
  /** 'read': personal data shown to a key (demands: every read by an operator or advisor is kept). */
  action: 'create' | 'update' | 'delete' | 'read';
  entity: string;
  entity_id: string;
  batid?: string | null;
  dept?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Appends one change to the audit trail, inside the caller's transaction. */
export async function audit(tx: Queryable, actor: Actor, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO access.audit (key_id, key_label, action, entity, entity_id, batid, code_departement_insee, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    [
      actor.id,
      actor.label,
      e.action,
      e.entity,
      e.entity_id,
      e.batid ?? null,
      e.dept ?? null,
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
    ],
  );
}

export interface AuditRow {
  at: string;
  key_id: string;
  key_label: string;
  action: string;
  entity: string;
  entity_id: string;
  before: unknown;
  after: unknown;
}

export async function auditOfBuilding(db: Queryable, batid: string, limit = 500): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, key_id, key_label, action,
            entity, entity_id, before, after
       FROM access.audit WHERE batid = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [batid, limit],
  );
}
