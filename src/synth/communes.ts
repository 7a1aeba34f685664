import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Commune {
  code: string;
  nom: string;
  population: number;
  codePostal: string;
  epci: string | null;
  region: string;
}

interface RawCommune {
  code: string;
  nom: string;
  departement?: string;
  region?: string;
  type: string;
  population?: number;
  codesPostaux?: string[];
}

/** The real communes of a département (code, name, population, postcode, EPCI), from @etalab/decoupage-administratif. */
export function communesOf(dept: string): Commune[] {
  const all = require('@etalab/decoupage-administratif/data/communes.json') as RawCommune[];
  const epcis = require('@etalab/decoupage-administratif/data/epci.json') as {
    code: string;
    membres: { code: string }[];
  }[];
  const epciOf = new Map<string, string>();
  for (const e of epcis) for (const m of e.membres) epciOf.set(m.code, e.code);
  return all
    .filter((c) => c.departement === dept && c.type === 'commune-actuelle')
    .map((c) => ({
      code: c.code,
      nom: c.nom,
      population: c.population ?? 0,
      codePostal: c.codesPostaux?.[0] ?? `${dept}000`,
      epci: epciOf.get(c.code) ?? null,
      region: c.region ?? '',
    }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

/** Lambert-93 box [minX, minY, maxX, maxY] of a few départements; others get a plausible box. */
const BOXES: Record<string, [number, number, number, number]> = {
  '03': [640_000, 6_520_000, 800_000, 6_625_000],
  '01': [840_000, 6_520_000, 950_000, 6_600_000],
  '38': [840_000, 6_400_000, 960_000, 6_520_000],
  '69': [780_000, 6_500_000, 860_000, 6_570_000],
  '75': [643_000, 6_857_000, 661_000, 6_867_000],
  '13': [820_000, 6_230_000, 950_000, 6_300_000],
  '33': [350_000, 6_350_000, 480_000, 6_500_000],
  '59': [640_000, 6_990_000, 790_000, 7_110_000],
};

export function departementBox(dept: string): [number, number, number, number] {
  const known = BOXES[dept];
  if (known) return known;
  // deterministic placement inside metropolitan France, 110 × 100 km
  let h = 7;
  for (const ch of dept) h = (h * 31 + ch.charCodeAt(0)) % 1000003;
  const x = 250_000 + (h % 800) * 1000;
  const y = 6_200_000 + (Math.floor(h / 800) % 800) * 1000;
  return [x, y, x + 110_000, y + 100_000];
}
