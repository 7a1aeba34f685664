import { classRank, dpeClass, isDpeClass, relabel2026, type DpeClass, G_PLUS_EF_M2 } from './dpe-class.js';

/** The equipment and envelope fields compared to tell what works were done. */
export const WORKS_FIELDS = {
  type_energie_chauffage: 'énergie de chauffage',
  type_generateur_chauffage: 'générateur de chauffage',
  type_generateur_ecs: 'production d’eau chaude',
  type_isolation_mur_exterieur: 'isolation des murs',
  type_isolation_plancher_bas: 'isolation du plancher bas',
  type_isolation_plancher_haut: 'isolation de la toiture / plancher haut',
  type_vitrage: 'vitrage',
  type_materiaux_menuiserie: 'menuiseries',
  type_ventilation: 'ventilation',
} as const;
export type WorksField = keyof typeof WORKS_FIELDS;

/** One DPE certificate of one building group, as read from `dpe_logement`. */
export interface Certificate {
  id: string;
  group: string;
  date: string | null;
  /** 2021 method (`arrete_2021`, else dated from 2021-07-01) */
  method2021: boolean;
  /** the certificate this one corrects (`numero_dpe_remplace`) */
  replaces: string | null;
  /** maison, appartement, immeuble */
  type: string | null;
  surfaceM2: number | null;
  floor: number | null;
  label: DpeClass | null;
  epM2: number | null;
  efM2: number | null;
  gesM2: number | null;
  /** the altitude bounds apply (above 800 m in H1b, H1c, H2d) */
  high: boolean;
  works: Partial<Record<WorksField, string | null>>;
}

/** What the history adds to a certificate. */
export interface CertificateFacts {
  /** id of the certificate that corrects this one; a corrected certificate is not valid */
  replacedBy: string | null;
  /** dwelling of the group it describes (1, 2, …) for valid 2021-method certificates */
  dwelling: number | null;
  label2026: DpeClass | null;
  ep2026: number | null;
  /** the 2026 electricity factor alone changes its class */
  methodChange: boolean;
  gPlus: boolean;
}

export interface Change {
  field: WorksField;
  label: string;
  before: string | null;
  after: string | null;
}

export interface Renovation {
  group: string;
  dwelling: number;
  before: Certificate;
  after: Certificate;
  labelBefore: DpeClass;
  labelAfter: DpeClass;
  /** both labels with the 2026 factor: the comparison that isolates the works */
  label2026Before: DpeClass;
  label2026After: DpeClass;
  /** classes gained by the works (same factor on both sides) */
  gainWorks: number;
  /** classes gained or lost by the change of factor alone (label gain − works gain) */
  gainMethod: number;
  /** kWh EP/m²/yr saved, both sides with the 2026 factor */
  savedEpM2: number | null;
  changes: Change[];
  performante: boolean;
  performanteReason: string | null;
}

/** Same dwelling: same kind, surface within ±5 %, same floor when both know it. */
export const SURFACE_TOLERANCE = 0.05;

function sameDwelling(a: Certificate, b: Certificate): number | null {
  if ((a.type ?? '') !== (b.type ?? '')) return null;
  if (a.floor !== null && b.floor !== null && a.floor !== b.floor) return null;
  if (a.surfaceM2 === null || b.surfaceM2 === null) return a.surfaceM2 === b.surfaceM2 ? 0 : null;
  const d = Math.abs(a.surfaceM2 - b.surfaceM2) / Math.max(a.surfaceM2, b.surfaceM2);
  return d <= SURFACE_TOLERANCE ? d : null;
}

const byDate = (a: Certificate, b: Certificate) =>
  (a.date ?? '').localeCompare(b.date ?? '') || a.id.localeCompare(b.id);

function label2026Of(c: Certificate) {
  if (c.epM2 === null) return null;
  return relabel2026(c.label, c.epM2, c.efM2, c.gesM2, c.date, c.high);
}

/**
 * Renovations of one building group (domain.md §4): only 2021-method certificates; a corrected
 * certificate (another one names it in `numero_dpe_remplace`) is left out, so a correction is
 * never a renovation; certificates are chained per dwelling in date order; a renovation is a
 * class gain between successive certificates of one dwelling once both are computed with the
 * same electricity factor, so a gain due to the 2026 factor alone is not counted as works.
 */
export function analyseGroup(
  certs: readonly Certificate[],
  replacedIds: ReadonlyMap<string, string>,
): { facts: Map<string, CertificateFacts>; renovations: Renovation[] } {
  const facts = new Map<string, CertificateFacts>();
  for (const c of certs) {
    // the 2021 bounds say nothing of a certificate of the earlier method: no 2026 label for it
    const r = c.method2021 ? label2026Of(c) : null;
    facts.set(c.id, {
      replacedBy: replacedIds.get(c.id) ?? null,
      dwelling: null,
      label2026: r ? r.with2026 : null,
      ep2026: r ? r.ep2026 : null,
      methodChange: r ? r.methodChange : false,
      gPlus: c.efM2 !== null && c.efM2 > G_PLUS_EF_M2,
    });
  }
  const valid = certs.filter((c) => c.method2021 && !replacedIds.has(c.id) && c.epM2 !== null).sort(byDate);
  const dwellings: Certificate[][] = [];
  for (const c of valid) {
    let best: Certificate[] | null = null;
    let bestD = Infinity;
    for (const chain of dwellings) {
      const d = sameDwelling(chain[chain.length - 1]!, c);
      if (d !== null && d < bestD) [best, bestD] = [chain, d];
    }
    if (best) best.push(c);
    else dwellings.push([c]);
  }
  const renovations: Renovation[] = [];
  dwellings.forEach((chain, i) => {
    for (const c of chain) facts.get(c.id)!.dwelling = i + 1;
    for (let k = 1; k < chain.length; k++) {
      const r = renovationBetween(chain[k - 1]!, chain[k]!, i + 1);
      if (r) renovations.push(r);
    }
  });
  return { facts, renovations };
}

function renovationBetween(before: Certificate, after: Certificate, dwelling: number): Renovation | null {
  const rb = label2026Of(before)!;
  const ra = label2026Of(after)!;
  // the works: both sides with the 2026 factor (when EF is missing, the certificate's own figures)
  const worksBefore = rb.ep2026 === null ? rb.computed : dpeClass(rb.ep2026, before.gesM2, before.high);
  const worksAfter = ra.ep2026 === null ? ra.computed : dpeClass(ra.ep2026, after.gesM2, after.high);
  const gainWorks = classRank(worksBefore) - classRank(worksAfter);
  if (gainWorks < 1) return null;
  const labelBefore = before.label ?? rb.computed;
  const labelAfter = after.label ?? ra.computed;
  const changes: Change[] = [];
  for (const field of Object.keys(WORKS_FIELDS) as WorksField[]) {
    const b = before.works[field] ?? null;
    const a = after.works[field] ?? null;
    if ((b ?? '') !== (a ?? '')) changes.push({ field, label: WORKS_FIELDS[field], before: b, after: a });
  }
  const { performante, reason } = performanteOf(labelBefore, labelAfter, gainWorks);
  return {
    group: before.group,
    dwelling,
    before,
    after,
    labelBefore,
    labelAfter,
    label2026Before: worksBefore,
    label2026After: worksAfter,
    gainWorks,
    gainMethod: classRank(labelBefore) - classRank(labelAfter) - gainWorks,
    savedEpM2:
      rb.ep2026 !== null && ra.ep2026 !== null ? Math.round((rb.ep2026 - ra.ep2026) * 10) / 10 : null,
    changes,
    performante,
    performanteReason: reason,
  };
}

/** "Rénovation performante" (domain.md §4). */
export function performanteOf(
  before: DpeClass,
  after: DpeClass,
  gainWorks: number,
): { performante: boolean; reason: string | null } {
  if (after === 'A' || after === 'B') return { performante: true, reason: 'atteint la classe A ou B' };
  if ((before === 'F' || before === 'G') && classRank(after) <= classRank('C'))
    return { performante: true, reason: 'passe de F ou G à C ou mieux' };
  if (gainWorks >= 2)
    return { performante: true, reason: 'gagne deux classes (rénovation performante sous contraintes)' };
  return { performante: false, reason: null };
}

/** `numero_dpe_remplace` of every certificate → which certificate corrects which. */
export function replacements(certs: Iterable<Certificate>): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of certs) if (c.replaces && c.replaces !== c.id) m.set(c.replaces, c.id);
  return m;
}

export function toClass(s: string | null): DpeClass | null {
  const t = s?.trim().toUpperCase() ?? null;
  return isDpeClass(t) ? t : null;
}
