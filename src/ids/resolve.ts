import type { Store } from '../store/store.js';
import { parseBatid } from './batid.js';
import { idIndexOf } from './id-index.js';

/** Every scheme `resolve` understands (contract §3). */
export const SCHEMES = [
  'batid',
  'rnb',
  'bdnb_bg',
  'bdnb_bc',
  'bdtopo',
  'parcelle',
  'ban',
  'dpe',
  'rnc',
  'siren',
  'dvf',
] as const;
export type Scheme = (typeof SCHEMES)[number];

export class ResolveInputError extends Error {}

export interface LinkedId {
  id: string;
  source: string;
  millesime: string | null;
  active?: boolean;
}

export interface Match {
  batid: string;
  status: 'constructed' | 'demolished' | 'retired';
  code_departement_insee: string;
  /** For a retired BatID: the buildings that replaced it (merge child, split children). */
  successors?: string[];
  /** How the id led to this building. */
  via: { scheme: Scheme; source: string };
}

/**
 * External key → the bdnb table and column holding it, and how that table reaches a building:
 * through its group (`bg`) or its footprint (`bc`).
 */
export const LOOKUPS: Record<
  Exclude<Scheme, 'batid' | 'rnb' | 'bdnb_bg' | 'bdnb_bc'>,
  { table: string; column: string; via: 'bg' | 'bc' }[]
> = {
  bdtopo: [{ table: 'batiment_construction', column: 'batiment_construction_id', via: 'bc' }],
  parcelle: [{ table: 'rel_batiment_groupe_parcelle', column: 'parcelle_id', via: 'bg' }],
  ban: [
    { table: 'rel_batiment_groupe_adresse', column: 'cle_interop_adr', via: 'bg' },
    { table: 'rel_batiment_construction_adresse', column: 'cle_interop_adr', via: 'bc' },
  ],
  dpe: [
    { table: 'rel_batiment_groupe_dpe_logement', column: 'identifiant_dpe', via: 'bg' },
    { table: 'batiment_groupe_dpe_representatif_logement', column: 'identifiant_dpe', via: 'bg' },
  ],
  rnc: [
    { table: 'rel_batiment_groupe_rnc', column: 'numero_immat', via: 'bg' },
    { table: 'batiment_groupe_rnc', column: 'numero_immat_principal', via: 'bg' },
  ],
  siren: [
    { table: 'rel_batiment_groupe_siren_complet', column: 'siren', via: 'bg' },
    { table: 'rel_batiment_groupe_proprietaire_siren_open', column: 'siren', via: 'bg' },
  ],
  dvf: [{ table: 'batiment_groupe_dvf_open_representatif', column: 'id_opendata', via: 'bg' }],
};

const FORMATS: Partial<Record<Scheme, [RegExp, string]>> = {
  parcelle: [
    /^(\d{5}|2[AB]\d{3})[0-9A-Z]{3}[0-9A-Z]{2}\d{4}$/,
    'a parcel id is commune(5) + prefix(3) + section(2) + number(4), e.g. 03001000ZC0568',
  ],
  ban: [
    /^[0-9A-Z]{5}_[0-9a-z]{4,}_\d{5}(_[a-z0-9]+)?$/i,
    'a BAN key is CCCCC_XXXX_NNNNN[_rep], e.g. 03185_0420_00012',
  ],
  siren: [/^\d{9}$/, 'a SIREN has 9 digits'],
  dpe: [/^[0-9A-Z]{13}$/, 'a DPE number has 13 characters, e.g. 2303E0123456Z'],
};

/** Cleans and checks an id of a scheme; throws ResolveInputError (HTTP 400) when it cannot be one. */
export function normaliseId(scheme: string, raw: string): { scheme: Scheme; id: string } {
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    throw new ResolveInputError(`unknown scheme "${scheme}"; expected one of ${SCHEMES.join(', ')}`);
  }
  const s = scheme as Scheme;
  const id = raw.trim();
  if (!id) throw new ResolveInputError('id is empty');
  if (id.length > 200) throw new ResolveInputError('id is longer than 200 characters');
  if (s === 'batid' || s === 'rnb') {
    const p = parseBatid(id);
    if (!p.ok) throw new ResolveInputError(p.error);
    return { scheme: s, id: p.batid };
  }
  const f = FORMATS[s];
  if (f && !f[0].test(s === 'parcelle' || s === 'dpe' ? id.toUpperCase() : id))
    throw new ResolveInputError(`"${id}": ${f[1]}`);
  return { scheme: s, id: s === 'parcelle' || s === 'dpe' ? id.toUpperCase() : id };
}

export async function tableExists(store: Store, table: string): Promise<boolean> {
  const r = await store.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bdnb' AND c.relname = $1`,
    [table],
  );
  return r.length > 0;
}

/** A retired BatID's successors: the child of its merge, or the children of its split. */
async function successors(store: Store, batid: string): Promise<string[]> {
  const rows = await store.query<{ batid: string }>(
    `SELECT DISTINCT unnest(children) AS batid FROM batid.event WHERE batid = $1 AND kind = 'split'
     UNION SELECT batid FROM batid.event WHERE kind = 'merge' AND parents @> ARRAY[$1::text] ORDER BY 1`,
    [batid],
  );
  return rows.map((r) => r.batid);
}

async function buildings(
  store: Store,
  where: string,
  params: unknown[],
  scheme: Scheme,
  source: string,
): Promise<Match[]> {
  const rows = await store.query<{ batid: string; status: Match['status']; code_departement_insee: string }>(
    `SELECT b.batid, b.status, b.code_departement_insee FROM batid.building b WHERE ${where} ORDER BY b.status = 'constructed' DESC, b.batid`,
    params,
  );
  const out: Match[] = [];
  for (const r of rows) {
    const m: Match = { ...r, via: { scheme, source } };
    if (r.status === 'retired') m.successors = await successors(store, r.batid);
    out.push(m);
  }
  return out;
}

/** Matches from the in-process index: no query unless a BatID is retired (its successors). */
async function indexed(store: Store, batids: string[], scheme: Scheme): Promise<Match[]> {
  const ix = idIndexOf(store);
  const out: Match[] = [];
  for (const batid of batids) {
    const e = ix.building(batid);
    if (!e) continue;
    const m: Match = {
      batid,
      status: e.status,
      code_departement_insee: e.dept,
      via: { scheme, source: scheme === 'batid' ? 'batid.building' : 'batid.id_link' },
    };
    if (e.status === 'retired') m.successors = await successors(store, batid);
    out.push(m);
  }
  // constructed first, as the database answer orders them
  return out.sort(
    (a, b) =>
      Number(b.status === 'constructed') - Number(a.status === 'constructed') ||
      a.batid.localeCompare(b.batid),
  );
}

/** `resolve(scheme, id)`: every building the id leads to — a list, never a silent first pick. */
export async function resolve(store: Store, schemeIn: string, idIn: string): Promise<Match[]> {
  const { scheme, id } = normaliseId(schemeIn, idIn);
  if (scheme === 'batid' || scheme === 'rnb' || scheme === 'bdnb_bc' || scheme === 'bdnb_bg') {
    const fromIndex = await idIndexOf(store).batids(scheme, id);
    if (fromIndex) return indexed(store, fromIndex, scheme);
  }
  switch (scheme) {
    case 'batid':
      return buildings(store, 'b.batid = $1', [id], scheme, 'batid.building');
    case 'rnb':
      return buildings(
        store,
        `b.batid = $1 OR b.batid IN (SELECT batid FROM batid.id_link WHERE scheme = 'rnb' AND external_id = $1)`,
        [id],
        scheme,
        'batid.id_link',
      );
    case 'bdnb_bc':
    case 'bdnb_bg':
      return buildings(
        store,
        `b.batid IN (SELECT batid FROM batid.id_link WHERE scheme = $1 AND external_id = $2)`,
        [scheme, id],
        scheme,
        'batid.id_link',
      );
  }
  const out: Match[] = [];
  const seen = new Set<string>();
  for (const l of LOOKUPS[scheme]) {
    if (!(await tableExists(store, l.table))) continue;
    const key =
      scheme === 'bdtopo'
        ? `(x."${l.column}" = $1 OR x."${l.column}" LIKE $1 || '-%')`
        : `x."${l.column}" = $1`;
    const join =
      l.via === 'bg'
        ? `b.batiment_groupe_id = x.batiment_groupe_id AND b.code_departement_insee = x.code_departement_insee`
        : `b.batiment_construction_id = x.batiment_construction_id AND b.code_departement_insee = x.code_departement_insee`;
    for (const m of await buildings(
      store,
      `EXISTS (SELECT 1 FROM bdnb."${l.table}" x WHERE ${key} AND ${join})`,
      [id],
      scheme,
      `bdnb.${l.table}`,
    )) {
      if (!seen.has(m.batid)) out.push(m);
      seen.add(m.batid);
    }
  }
  return out;
}
