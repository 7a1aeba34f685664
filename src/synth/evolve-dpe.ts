/**
 * DPE certificates of the next millésime (evolve.ts): every previous certificate stays; a share
 * of dwellings gets a new one dated after the previous export's latest certificate (up to a year
 * later): a renovation or a correction. The ground truth is carried over (groups renamed) and
 * extended. Dwellings are found again in the export by kind, floor and surface: two apartments
 * of one group differ by floor or by more than 12 % of surface (dpe-history.ts).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CsvFile } from '../ingest/csv/csv-file.js';
import { dayOf, isoOf } from './days.js';
import { TYPE_DPE_2021 } from './dpe-columns.js';
import {
  applyWorks,
  chooseWorks,
  elecShareOf,
  emissionFactorOf,
  improvableParts,
  isAllElectric,
  type Equipment,
} from './dpe-equipment.js';
import { capGes, dpeId, dpeNumber, drawEp, GAIN_WEIGHTS, type DpeState } from './dpe-history.js';
import {
  classRank,
  classRank2026,
  efFromEp,
  electricityFactor,
  ep2026,
  epBand,
  epFromEf,
  gesBand,
  gesLetterOf,
  letterOf,
  round1,
} from './dpe-rules.js';
import { DPE_TRUTH_FILE, readDpeTruth, type DpeTruthRow } from './dpe-truth.js';
import { Prng, seedOf } from './prng.js';

/** Shares of dwellings that get a new certificate in the next millésime. */
export const DPE_EVOLUTION = { renovation: 0.08, correction: 0.02 } as const;

const REPRESENTATIVE = 'batiment_groupe_dpe_representatif_logement';
/** Within one floor, a surface gap larger than this starts another dwelling. */
const SAME_DWELLING_GAP = 1.08;

export interface DpeEvolution {
  /** rows to add, by table, in that table's column order, with the new group ids */
  append: Map<string, string[][]>;
  /** rewrites a row (new ids) of a table in place, by table */
  patch: Map<string, (fields: string[]) => void>;
  /** the previous truth with the new group ids, then the new pairs */
  truth: DpeTruthRow[];
  added: { renovation: number; correction: number };
}

interface Table {
  header: string[];
  rows: string[][];
}

async function readTable(path: string): Promise<Table | null> {
  try {
    await access(path);
  } catch {
    return null;
  }
  const f = await CsvFile.open(path);
  const rows: string[][] = [];
  for await (const b of f.batches()) for (const r of b.records) if (r.fields) rows.push(r.fields);
  return { header: f.header, rows };
}

/** Where each named column is in a file (every one must be there). */
function columnsOf<K extends string>(t: Table, names: readonly K[], file: string): Record<K, number> {
  const out: Partial<Record<K, number>> = {};
  for (const n of names) {
    const i = t.header.indexOf(n);
    if (i < 0) throw new Error(`${file}: expected a column "${n}", got ${t.header.join(',')}`);
    out[n] = i;
  }
  return out as Record<K, number>;
}

const DPE_COLUMNS_USED = [
  'identifiant_dpe',
  'code_departement_insee',
  'numero_dpe_remplace',
  'type_dpe',
  'arrete_2021',
  'date_etablissement_dpe',
  'date_reception_dpe',
  'type_batiment_dpe',
  'numero_etage_appartement',
  'surface_habitable_logement',
  'classe_bilan_dpe',
  'classe_emission_ges',
  'conso_5_usages_ep_m2',
  'conso_5_usages_ef_m2',
  'emission_ges_5_usages_m2',
  'type_energie_chauffage',
  'type_generateur_chauffage',
  'type_installation_chauffage',
  'type_energie_ecs',
  'type_generateur_ecs',
  'type_isolation_mur_exterieur',
  'type_isolation_plancher_bas',
  'type_isolation_plancher_haut',
  'type_vitrage',
  'type_materiaux_menuiserie',
  'type_ventilation',
] as const;
type Col = Record<(typeof DPE_COLUMNS_USED)[number], number>;

const isTrue = (v: string | undefined) => v === '1' || v === 'true' || v === 't';

/** The figures and equipment a certificate row states (the electricity share from EP / EF). */
function stateOf(r: string[], c: Col): DpeState {
  const epM2 = Number(r[c.conso_5_usages_ep_m2]);
  const efM2 = Number(r[c.conso_5_usages_ef_m2]);
  const eq: Equipment = {
    heatingEnergy: r[c.type_energie_chauffage]!,
    heatingGenerator: r[c.type_generateur_chauffage]!,
    ecsEnergy: r[c.type_energie_ecs]!,
    ecsGenerator: r[c.type_generateur_ecs]!,
    wall: r[c.type_isolation_mur_exterieur]!,
    floor: r[c.type_isolation_plancher_bas] || null,
    roof: r[c.type_isolation_plancher_haut] || null,
    glazing: r[c.type_vitrage]!,
    joinery: r[c.type_materiaux_menuiserie]!,
    ventilation: r[c.type_ventilation]!,
  };
  const f = electricityFactor(r[c.date_etablissement_dpe]!);
  const elecShare = isAllElectric(eq.heatingEnergy)
    ? 1
    : Math.min(0.5, Math.max(0.05, (epM2 / efM2 - 1) / (f - 1)));
  return { epM2, efM2, gesM2: Number(r[c.emission_ges_5_usages_m2]), elecShare, eq };
}

/** After works on `v`: 1 to 4 classes better, on its label and with the 2026 factor on both sides. */
function renovated(
  v: DpeState,
  vDate: string,
  date: string,
  individual: boolean,
  rng: Prng,
): DpeState | null {
  const rankV = classRank(v.epM2, v.gesM2);
  const rank26V = classRank2026(v.epM2, v.efM2, v.gesM2, vDate);
  const open = improvableParts(v.eq, individual);
  if (!open.length) return null;
  const best = Math.max(0, rankV - 4);
  const target = Math.max(best, rank26V - 1 - rng.index(GAIN_WEIGHTS));
  if (target >= rank26V) return null;
  const eq = applyWorks(v.eq, chooseWorks(open, rng), rng.next(), rng);
  const sameEnergy = eq.heatingEnergy === v.eq.heatingEnergy && eq.ecsEnergy === v.eq.ecsEnergy;
  const elecShare = sameEnergy ? v.elecShare : elecShareOf(eq, 0.5);
  const epM2 = round1(
    Math.max(epBand(best)[0], Math.min(drawEp(target, rng), 0.95 * ep2026(v.epM2, v.efM2, vDate))),
  );
  const efM2 = efFromEp(epM2, elecShare, date);
  const perKwh = eq.heatingEnergy === v.eq.heatingEnergy ? v.gesM2 / v.efM2 : emissionFactorOf(eq, elecShare);
  const gesM2 = round1(Math.max(gesBand(best)[0], capGes(perKwh * efM2, target, rng)));
  const s: DpeState = { epM2, efM2, gesM2, elecShare, eq };
  const rank = classRank(epM2, gesM2);
  const ok = rank >= best && rank < rankV && classRank2026(epM2, efM2, gesM2, date) < rank26V;
  return ok ? s : null;
}

/** A correction of `v` made on `date`: same equipment, the same class or one better. */
function corrected(v: DpeState, date: string, rng: Prng): DpeState | null {
  const rankV = classRank(v.epM2, v.gesM2);
  const ef = v.efM2 * rng.float(0.9, 1);
  const epM2 = round1(Math.max(epFromEf(ef, v.elecShare, date), epBand(Math.max(0, rankV - 1))[0]));
  const efM2 = efFromEp(epM2, v.elecShare, date);
  const s: DpeState = { ...v, epM2, efM2, gesM2: round1((v.gesM2 * ef) / v.efM2) };
  const rank = classRank(epM2, s.gesM2);
  return rank <= rankV && rank >= rankV - 1 ? s : null;
}

/** The certificates of one group, dwelling by dwelling (kind, floor, then surface gaps). */
function dwellingsOf(rows: string[][], c: Col): string[][][] {
  const byFloor = new Map<string, string[][]>();
  for (const r of rows) {
    const k = `${r[c.type_batiment_dpe]}|${r[c.numero_etage_appartement]}`;
    (byFloor.get(k) ?? byFloor.set(k, []).get(k)!).push(r);
  }
  const out: string[][][] = [];
  const surface = (r: string[]) => Number(r[c.surface_habitable_logement]);
  for (const k of [...byFloor.keys()].sort()) {
    const rs = byFloor.get(k)!.sort((a, b) => surface(a) - surface(b));
    let cur: string[][] = [];
    for (const r of rs) {
      if (cur.length && surface(r) > surface(cur[cur.length - 1]!) * SAME_DWELLING_GAP) {
        out.push(cur);
        cur = [];
      }
      cur.push(r);
    }
    if (cur.length) out.push(cur);
  }
  return out;
}

/**
 * New certificates for the next millésime of the export in `from`, whose groups are renamed by
 * `bgMap` (`alive`: the new group still stands).
 */
export async function planDpeEvolution(
  from: string,
  bgMap: ReadonlyMap<string, string>,
  alive: (newGroup: string) => boolean,
  seed: number,
): Promise<DpeEvolution> {
  const ev: DpeEvolution = {
    append: new Map(),
    patch: new Map(),
    truth: [],
    added: { renovation: 0, correction: 0 },
  };
  const oldTruth = (await readDpeTruth(join(from, DPE_TRUTH_FILE))) ?? [];
  for (const t of oldTruth) {
    const bg = bgMap.get(t.group);
    if (bg && alive(bg)) ev.truth.push({ ...t, group: bg });
  }
  const dpe = await readTable(join(from, 'dpe_logement.csv'));
  const rel = await readTable(join(from, 'rel_batiment_groupe_dpe_logement.csv'));
  if (!dpe || !rel || !dpe.rows.length) return ev;
  const c = columnsOf(dpe, DPE_COLUMNS_USED, 'dpe_logement.csv');
  const rc = columnsOf(
    rel,
    ['batiment_groupe_id', 'identifiant_dpe'],
    'rel_batiment_groupe_dpe_logement.csv',
  );
  const rep = await readTable(join(from, `${REPRESENTATIVE}.csv`));
  const repOf = new Map<string, string>();
  if (rep) {
    const p = columnsOf(rep, ['batiment_groupe_id', 'identifiant_dpe'], `${REPRESENTATIVE}.csv`);
    for (const r of rep.rows) repOf.set(r[p.batiment_groupe_id]!, r[p.identifiant_dpe]!);
  }

  const byId = new Map<string, string[]>();
  const replaced = new Set<string>();
  let maxDay = -Infinity;
  let nextNumber = 0;
  for (const r of dpe.rows) {
    const id = r[c.identifiant_dpe]!;
    byId.set(id, r);
    if (r[c.numero_dpe_remplace]) replaced.add(r[c.numero_dpe_remplace]!);
    if (r[c.date_etablissement_dpe]) maxDay = Math.max(maxDay, dayOf(r[c.date_etablissement_dpe]!));
    const n = dpeNumber(id);
    if (n !== null) nextNumber = Math.max(nextNumber, n + 1);
  }
  if (!Number.isFinite(maxDay)) return ev;
  // a correction must not hide the result of works or of a re-diagnosis the truth pairs name
  const resultOfPair = new Set(oldTruth.filter((t) => t.kind !== 'correction').map((t) => t.after));
  const idsOfGroup = new Map<string, string[]>();
  for (const r of rel.rows) {
    const bg = r[rc.batiment_groupe_id]!;
    (idsOfGroup.get(bg) ?? idsOfGroup.set(bg, []).get(bg)!).push(r[rc.identifiant_dpe]!);
  }

  const rng = new Prng(seedOf('evolve-dpe', seed));
  const newRows: string[][] = [];
  const newRel: string[][] = [];
  const newRep = new Map<string, string[]>();
  for (const [oldBg, ids] of idsOfGroup) {
    const bg = bgMap.get(oldBg);
    if (!bg || !alive(bg)) continue;
    const rows = ids.map((id) => byId.get(id)).filter((r): r is string[] => r !== undefined);
    for (const dwelling of dwellingsOf(rows, c)) {
      const roll = rng.next();
      if (roll >= DPE_EVOLUTION.renovation + DPE_EVOLUTION.correction) continue;
      const valid = dwelling
        .filter((r) => isTrue(r[c.arrete_2021]) && !replaced.has(r[c.identifiant_dpe]!))
        .sort(
          (a, b) =>
            a[c.date_etablissement_dpe]!.localeCompare(b[c.date_etablissement_dpe]!) ||
            a[c.identifiant_dpe]!.localeCompare(b[c.identifiant_dpe]!),
        );
      const v = valid[valid.length - 1];
      if (!v) continue;
      const vId = v[c.identifiant_dpe]!;
      const day = maxDay + rng.int(1, 365);
      const date = isoOf(day);
      const before = stateOf(v, c);
      const kind = roll < DPE_EVOLUTION.renovation ? 'renovation' : 'correction';
      const after =
        kind === 'renovation'
          ? renovated(
              before,
              v[c.date_etablissement_dpe]!,
              date,
              v[c.type_installation_chauffage] === 'individuel',
              rng,
            )
          : resultOfPair.has(vId)
            ? null
            : corrected(before, date, rng);
      if (!after) continue;
      const oldest = dwelling.reduce((a, b) =>
        a[c.date_etablissement_dpe]! <= b[c.date_etablissement_dpe]! ? a : b,
      );
      const row = [...v];
      const set = (k: keyof Col, value: string | number | null) =>
        (row[c[k]] = value === null ? '' : String(value));
      const id = dpeId(date, vId.slice(2, 4), nextNumber++);
      set('identifiant_dpe', id);
      set('numero_dpe_remplace', kind === 'correction' ? vId : null);
      set('type_dpe', TYPE_DPE_2021);
      set('arrete_2021', '1');
      set('date_etablissement_dpe', date);
      set('date_reception_dpe', isoOf(day + (rng.chance(0.5) ? 0 : rng.int(1, 10))));
      set(
        'surface_habitable_logement',
        round1(Number(oldest[c.surface_habitable_logement]) * rng.float(0.99, 1.01)),
      );
      set('classe_bilan_dpe', letterOf(classRank(after.epM2, after.gesM2)));
      set('classe_emission_ges', gesLetterOf(after.gesM2));
      set('conso_5_usages_ep_m2', after.epM2);
      set('conso_5_usages_ef_m2', after.efM2);
      set('emission_ges_5_usages_m2', after.gesM2);
      set('type_energie_chauffage', after.eq.heatingEnergy);
      set('type_generateur_chauffage', after.eq.heatingGenerator);
      set('type_energie_ecs', after.eq.ecsEnergy);
      set('type_generateur_ecs', after.eq.ecsGenerator);
      set('type_isolation_mur_exterieur', after.eq.wall);
      set('type_isolation_plancher_bas', after.eq.floor);
      set('type_isolation_plancher_haut', after.eq.roof);
      set('type_vitrage', after.eq.glazing);
      set('type_materiaux_menuiserie', after.eq.joinery);
      set('type_ventilation', after.eq.ventilation);
      newRows.push(row);
      const relRow = rel.header.map((h) =>
        h === 'batiment_groupe_id'
          ? bg
          : h === 'identifiant_dpe'
            ? id
            : h === 'code_departement_insee'
              ? v[c.code_departement_insee]!
              : '',
      );
      newRel.push(relRow);
      ev.truth.push({
        group: bg,
        before: vId,
        after: id,
        kind,
        classBefore: letterOf(classRank(before.epM2, before.gesM2)),
        classAfter: row[c.classe_bilan_dpe]!,
      });
      ev.added[kind]++;
      const repId = repOf.get(oldBg);
      if (repId && dwelling.some((r) => r[c.identifiant_dpe] === repId)) newRep.set(bg, row);
    }
  }
  ev.append.set('dpe_logement', newRows);
  ev.append.set('rel_batiment_groupe_dpe_logement', newRel);
  if (rep && newRep.size) {
    // the representative certificate follows its dwelling's newest valid one
    const iBg = rep.header.indexOf('batiment_groupe_id');
    const shared = rep.header
      .map((h, i) => [i, dpe.header.indexOf(h)] as const)
      .filter(([, j]) => j >= 0 && dpe.header[j] !== 'code_departement_insee');
    ev.patch.set(REPRESENTATIVE, (fields) => {
      const row = newRep.get(fields[iBg]!);
      if (row) for (const [i, j] of shared) fields[i] = row[j]!;
    });
  }
  return ev;
}
