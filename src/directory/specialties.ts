import { fold } from '../address/normalise.js';

/** The directory's specialties: stable codes (API, CSV, database) and their French labels. */
export const SPECIALTY_LABELS = {
  audit_energetique_dtg: 'Audit énergétique / DTG',
  maitrise_oeuvre: 'Maîtrise d’œuvre',
  amo: 'Assistance à maîtrise d’ouvrage (AMO)',
  architecte: 'Architecte',
  chauffage: 'Chauffage',
  isolation: 'Isolation',
  ventilation: 'Ventilation',
  menuiseries: 'Menuiseries',
  solaire: 'Solaire',
  offre_globale: 'Offre globale de rénovation',
} as const;

export type Specialty = keyof typeof SPECIALTY_LABELS;
export const SPECIALTIES = Object.keys(SPECIALTY_LABELS) as Specialty[];

/** Folded code or label → code: a file may say `isolation`, `Isolation` or `Maîtrise d'œuvre`. */
const BY_NAME = new Map<string, Specialty>();
for (const code of SPECIALTIES) {
  BY_NAME.set(key(code), code);
  BY_NAME.set(key(SPECIALTY_LABELS[code]), code);
}
BY_NAME.set(key('dtg'), 'audit_energetique_dtg');
BY_NAME.set(key('audit energetique'), 'audit_energetique_dtg');

function key(s: string): string {
  return fold(s).trim();
}

export function isSpecialty(s: string): s is Specialty {
  return Object.hasOwn(SPECIALTY_LABELS, s);
}

export type SpecialtiesParse = { ok: true; specialties: Specialty[] } | { ok: false; error: string };

/**
 * A list of specialties separated by `|` (or `;` / `,` when the CSV separator is another one),
 * codes or French labels, in any case: the codes, each once, in the list's order.
 */
export function parseSpecialties(raw: string, separators = /[|;,]/): SpecialtiesParse {
  const parts = raw
    .split(separators)
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length)
    return { ok: false, error: `no specialty (expected codes separated by |: ${SPECIALTIES.join(', ')})` };
  const out: Specialty[] = [];
  for (const p of parts) {
    const code = BY_NAME.get(key(p));
    if (!code)
      return { ok: false, error: `unknown specialty "${p}" (expected one of ${SPECIALTIES.join(', ')})` };
    if (!out.includes(code)) out.push(code);
  }
  return { ok: true, specialties: out };
}
