/**
 * Renovation projects followed by one-stop shops (issue 8 §4): a project per building, its
 * stage history, dated notes, SARE acts and the territory dashboard. Writes go with their audit
 * entries in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { audit, type Actor } from '../auth/audit.js';
import { coversPlace, type ApiKey } from '../auth/keys.js';
import type { Queryable, Store } from '../store/store.js';
import {
  SARE_ACTS,
  STAGE_LABELS,
  STAGES,
  type Project,
  type ProjectDashboard,
  type ProjectDetail,
  type SareAct,
  type Stage,
} from './api-types.js';
import { EnergyInputError, parisDate } from './energy.js';

export { SARE_ACTS, STAGE_LABELS, STAGES } from './api-types.js';
export type { Project, ProjectDashboard, ProjectDetail, SareAct, Stage } from './api-types.js';
import { energyReport } from './energy-report.js';
import {
  buildingPlace,
  getRecord,
  RecordAccessError,
  validDate,
  type BuildingPlace,
} from './record-service.js';

const COLS = `p.id, p.batid, p.code_departement_insee, p.code_commune_insee, p.title, p.stage,
  p.stage_changed_at::text AS stage_changed_at, p.created_by,
  to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
  to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`;

const today = () => parisDate();

function stageOf(s: unknown, field = 'stage'): Stage {
  if (typeof s !== 'string' || !(STAGES as readonly string[]).includes(s))
    throw new EnergyInputError(field, `expected one of ${STAGES.join(', ')}, got ${JSON.stringify(s)}`);
  return s as Stage;
}

export async function createProject(
  store: Store,
  actor: Actor,
  place: BuildingPlace,
  input: { title?: string; stage?: string; date?: string },
): Promise<string> {
  const stage = input.stage === undefined ? 'premier_contact' : stageOf(input.stage);
  const date = input.date === undefined ? today() : validDate(input.date, 'date');
  const title = (input.title ?? '').trim().slice(0, 200);
  return store.transaction(async (tx) => {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO copro.project (id, batid, code_departement_insee, code_commune_insee, title, stage, stage_changed_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, place.batid, place.dept, place.commune, title, stage, date, actor.id],
    );
    await tx.query(
      'INSERT INTO copro.project_stage (project_id, stage, date, key_id) VALUES ($1, $2, $3, $4)',
      [id, stage, date, actor.id],
    );
    await audit(tx, actor, {
      action: 'create',
      entity: 'project',
      entity_id: id,
      batid: place.batid,
      dept: place.dept,
      after: { title, stage, date },
    });
    return id;
  });
}

/** A project the key may see (its building in the key's territory), else 404/403. */
export async function projectForKey(db: Queryable, key: ApiKey, id: string): Promise<ProjectDetail> {
  const [project] = await db.query<Project>(`SELECT ${COLS} FROM copro.project p WHERE p.id = $1`, [id]);
  if (!project) throw new RecordAccessError(404, `no project ${id}`);
  const place = (await buildingPlace(db, project.batid)) ?? {
    dept: project.code_departement_insee,
    commune: project.code_commune_insee,
    epci: null,
  };
  if (!coversPlace(key, place))
    throw new RecordAccessError(403, `project ${id} is outside the territory of this key`);
  const stages = await db.query<ProjectDetail['stages'][number]>(
    'SELECT stage, date::text AS date, key_id FROM copro.project_stage WHERE project_id = $1 ORDER BY date, ctid',
    [id],
  );
  const notes = await db.query<ProjectDetail['notes'][number]>(
    'SELECT id, date::text AS date, text, key_id FROM copro.project_note WHERE project_id = $1 ORDER BY date, created_at',
    [id],
  );
  const acts = (
    await db.query<Omit<ProjectDetail['acts'][number], 'label'>>(
      'SELECT id, code, date::text AS date, comment, key_id FROM copro.sare_act WHERE project_id = $1 ORDER BY date, created_at',
      [id],
    )
  ).map((a) => ({ ...a, label: SARE_ACTS[a.code] }));
  return { ...project, stages, notes, acts };
}

export async function setStage(
  store: Store,
  actor: Actor,
  p: Project,
  input: { stage?: unknown; date?: unknown; title?: unknown },
): Promise<void> {
  const stage = input.stage === undefined ? p.stage : stageOf(input.stage);
  const date = input.date === undefined ? today() : validDate(input.date, 'date');
  if (input.stage !== undefined && date < p.stage_changed_at)
    throw new EnergyInputError('date', `${date} is before the current stage's date (${p.stage_changed_at})`);
  const title = input.title === undefined ? p.title : String(input.title).trim().slice(0, 200);
  await store.transaction(async (tx) => {
    const changed = stage !== p.stage;
    await tx.query(
      `UPDATE copro.project SET stage = $2, stage_changed_at = CASE WHEN $4 THEN $3::date ELSE stage_changed_at END,
              title = $5, updated_at = now() WHERE id = $1`,
      [p.id, stage, date, changed, title],
    );
    if (changed)
      await tx.query(
        'INSERT INTO copro.project_stage (project_id, stage, date, key_id) VALUES ($1, $2, $3, $4)',
        [p.id, stage, date, actor.id],
      );
    await audit(tx, actor, {
      action: 'update',
      entity: 'project',
      entity_id: p.id,
      batid: p.batid,
      dept: p.code_departement_insee,
      before: { stage: p.stage, stage_changed_at: p.stage_changed_at, title: p.title },
      after: { stage, stage_changed_at: changed ? date : p.stage_changed_at, title },
    });
  });
}

export async function addNote(
  store: Store,
  actor: Actor,
  p: Project,
  input: { date?: unknown; text?: unknown },
): Promise<string> {
  const date = input.date === undefined ? today() : validDate(input.date, 'date');
  if (typeof input.text !== 'string' || !input.text.trim())
    throw new EnergyInputError('text', 'expected the text of the note');
  const text = input.text.trim().slice(0, 5000);
  return store.transaction(async (tx) => {
    const id = randomUUID();
    await tx.query(
      'INSERT INTO copro.project_note (id, project_id, date, text, key_id) VALUES ($1, $2, $3, $4, $5)',
      [id, p.id, date, text, actor.id],
    );
    await tx.query('UPDATE copro.project SET updated_at = now() WHERE id = $1', [p.id]);
    await audit(tx, actor, {
      action: 'create',
      entity: 'project_note',
      entity_id: id,
      batid: p.batid,
      dept: p.code_departement_insee,
      after: { project_id: p.id, date, text },
    });
    return id;
  });
}

export async function addAct(
  store: Store,
  actor: Actor,
  p: Project,
  input: { code?: unknown; date?: unknown; comment?: unknown },
): Promise<string> {
  if (typeof input.code !== 'string' || !(input.code in SARE_ACTS))
    throw new EnergyInputError(
      'code',
      `expected a SARE act (${Object.keys(SARE_ACTS).join(', ')}), got ${JSON.stringify(input.code)}`,
    );
  const code = input.code as SareAct;
  const date = input.date === undefined ? today() : validDate(input.date, 'date');
  const comment = typeof input.comment === 'string' ? input.comment.trim().slice(0, 1000) : '';
  return store.transaction(async (tx) => {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO copro.sare_act (id, project_id, code_departement_insee, code, date, comment, key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, p.id, p.code_departement_insee, code, date, comment, actor.id],
    );
    await tx.query('UPDATE copro.project SET updated_at = now() WHERE id = $1', [p.id]);
    await audit(tx, actor, {
      action: 'create',
      entity: 'sare_act',
      entity_id: id,
      batid: p.batid,
      dept: p.code_departement_insee,
      after: { project_id: p.id, code, date, comment },
    });
    return id;
  });
}

/** The key's territory as SQL filters: départements, and EPCI through each building's group. */
function territoryFilter(key: ApiKey, alias: string, params: unknown[]): string {
  if (key.role === 'admin') return 'TRUE';
  const depts = key.territories.filter((t) => t.length <= 3);
  const epcis = key.territories.filter((t) => t.length === 9);
  params.push(depts, epcis);
  const d = `$${params.length - 1}::text[]`;
  const e = `$${params.length}::text[]`;
  return `(${alias}.code_departement_insee = ANY(${d}) OR EXISTS (
      SELECT 1 FROM batid.building b JOIN renovation.batiment rb
        ON rb.code_departement_insee = b.code_departement_insee AND rb.batiment_groupe_id = b.batiment_groupe_id
       WHERE b.batid = ${alias}.batid AND b.code_departement_insee = ${alias}.code_departement_insee
         AND rb.code_epci_insee = ANY(${e})))`;
}

export interface ProjectFilter {
  dept?: string;
  commune?: string;
  stage?: string;
  batid?: string;
}

function filterSql(key: ApiKey, f: ProjectFilter, params: unknown[]): string {
  const where = [territoryFilter(key, 'p', params)];
  if (f.dept) where.push(`p.code_departement_insee = $${params.push(f.dept)}`);
  if (f.commune) where.push(`p.code_commune_insee = $${params.push(f.commune)}`);
  if (f.stage) where.push(`p.stage = $${params.push(stageOf(f.stage))}`);
  if (f.batid) where.push(`p.batid = $${params.push(f.batid)}`);
  return where.join(' AND ');
}

export async function listProjects(
  db: Queryable,
  key: ApiKey,
  f: ProjectFilter,
  limit = 500,
): Promise<Project[]> {
  const params: unknown[] = [];
  const where = filterSql(key, f, params);
  params.push(limit);
  return db.query<Project>(
    `SELECT ${COLS}
       FROM copro.project p WHERE ${where} ORDER BY p.updated_at DESC, p.id LIMIT $${params.length}`,
    params,
  );
}

export const ACTS_CSV_COLUMNS = [
  'date_acte',
  'code_acte',
  'libelle_acte',
  'id_projet',
  'titre_projet',
  'etape_projet',
  'batid',
  'code_commune_insee',
  'code_departement_insee',
  'commentaire',
] as const;

const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The SARE acts of the key's territory in a period, as the CSV an advisor hands in. */
export async function actsCsv(
  db: Queryable,
  key: ApiKey,
  f: ProjectFilter & { from?: string; to?: string },
): Promise<string> {
  const params: unknown[] = [];
  const where = [filterSql(key, f, params)];
  if (f.from)
    where.push(`a.date >= $${params.push(validDate(f.from, 'from', new Date('9999-12-31')))}::date`);
  if (f.to) where.push(`a.date <= $${params.push(validDate(f.to, 'to', new Date('9999-12-31')))}::date`);
  const rows = await db.query<{
    date: string;
    code: SareAct;
    id: string;
    title: string;
    stage: Stage;
    batid: string;
    commune: string | null;
    dept: string;
    comment: string;
  }>(
    `SELECT a.date::text AS date, a.code, p.id, p.title, p.stage, p.batid, p.code_commune_insee AS commune,
            p.code_departement_insee AS dept, a.comment
       FROM copro.sare_act a JOIN copro.project p ON p.id = a.project_id
      WHERE ${where.join(' AND ')} ORDER BY a.date, a.code, p.id`,
    params,
  );
  const lines = rows.map((r) =>
    [
      r.date,
      r.code,
      SARE_ACTS[r.code],
      r.id,
      r.title,
      STAGE_LABELS[r.stage],
      r.batid,
      r.commune,
      r.dept,
      r.comment,
    ]
      .map(csvField)
      .join(';'),
  );
  return `\ufeff${[ACTS_CSV_COLUMNS.join(';'), ...lines].join('\r\n')}\r\n`;
}

/** Projects by stage, SARE acts per month and kWh saved by finished projects, in the key's territory. */
export async function projectDashboard(
  db: Queryable,
  key: ApiKey,
  f: ProjectFilter,
): Promise<ProjectDashboard> {
  const params: unknown[] = [];
  const where = filterSql(key, { ...f, stage: undefined }, params);
  const stages = await db.query<{ stage: Stage; n: number }>(
    `SELECT p.stage, count(*)::int AS n FROM copro.project p WHERE ${where} GROUP BY 1`,
    params,
  );
  const by_stage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const s of stages) by_stage[s.stage] = s.n;
  const acts = await db.query<{ month: string; code: SareAct; n: number }>(
    `SELECT to_char(a.date, 'YYYY-MM') AS month, a.code, count(*)::int AS n
       FROM copro.sare_act a JOIN copro.project p ON p.id = a.project_id
      WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  const acts_by_code: Partial<Record<SareAct, number>> = {};
  for (const a of acts) acts_by_code[a.code] = (acts_by_code[a.code] ?? 0) + a.n;
  const finished = await db.query<{ id: string; batid: string; works_date: string | null }>(
    `SELECT p.id, p.batid,
            (SELECT min(s.date)::text FROM copro.project_stage s WHERE s.project_id = p.id AND s.stage = 'travaux_realises') AS works_date
       FROM copro.project p WHERE ${where} AND p.stage IN ('travaux_realises', 'suivi') ORDER BY p.id`,
    params,
  );
  const detail: ProjectDashboard['finished']['detail'] = [];
  for (const p of finished) {
    if (!p.works_date) continue;
    const rec = await getRecord(db, p.batid);
    if (!rec) continue;
    const place = await buildingPlace(db, p.batid);
    if (!place) continue;
    const report = await energyReport(db, rec, place);
    const ba = report.before_after.find((b) => b.source === 'projet' && b.works_date === p.works_date);
    if (ba?.kwh_saved_per_year === null || ba === undefined) continue;
    detail.push({
      project_id: p.id,
      batid: p.batid,
      works_date: p.works_date,
      kwh_saved_per_year: ba.kwh_saved_per_year,
      saving_pct: ba.saving_pct,
      basis: ba.basis,
    });
  }
  return {
    projects: stages.reduce((a, s) => a + s.n, 0),
    by_stage,
    acts_per_month: acts,
    acts_by_code,
    finished: {
      projects: finished.length,
      measured: detail.length,
      kwh_saved_per_year: Math.round(detail.reduce((a, d) => a + d.kwh_saved_per_year, 0) * 10) / 10,
      detail,
    },
  };
}
