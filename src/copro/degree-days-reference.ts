/**
 * The reference degree days shipped with BatID (`data/degree-days/reference.csv`, see its
 * README): one row per metropolitan département with its climate zone (arrêté du 26 octobre
 * 2010) and an indicative reference DJU. Values in the database override it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REFERENCE_CSV = fileURLToPath(new URL('../../data/degree-days/reference.csv', import.meta.url));

export const CLIMATE_ZONES = ['H1a', 'H1b', 'H1c', 'H2a', 'H2b', 'H2c', 'H2d', 'H3'] as const;
export type ClimateZone = (typeof CLIMATE_ZONES)[number];

export interface ReferenceDegreeDays {
  dept: string;
  zone: ClimateZone;
  dju: number;
  source: string;
}

const HEADER = 'code_departement;zone_climatique;dju_reference;source';

/** Parses the reference table; a bad line throws with its file and line (the file is ours). */
export function parseReferenceCsv(text: string, file = 'reference.csv'): Map<string, ReferenceDegreeDays> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== HEADER)
    throw new Error(`${file}:1: expected the header "${HEADER}", got "${lines[0] ?? ''}"`);
  const out = new Map<string, ReferenceDegreeDays>();
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `${file}:${i + 2}`;
    const f = line.split(';');
    if (f.length !== 4) throw new Error(`${at}: expected 4 fields separated by ";", got ${f.length}`);
    const [dept, zone, dju, source] = f.map((s) => s.trim()) as [string, string, string, string];
    if (!/^(0[1-9]|[1-8]\d|9[0-5]|2[AB])$/.test(dept) || dept === '20')
      throw new Error(
        `${at}: code_departement: expected a metropolitan département (01…95, 2A, 2B), got "${dept}"`,
      );
    if (out.has(dept)) throw new Error(`${at}: code_departement ${dept} appears twice`);
    if (!(CLIMATE_ZONES as readonly string[]).includes(zone))
      throw new Error(`${at}: zone_climatique: expected one of ${CLIMATE_ZONES.join(', ')}, got "${zone}"`);
    const n = Number(dju);
    if (!/^\d+(\.\d+)?$/.test(dju) || !(n > 0 && n <= 6000))
      throw new Error(`${at}: dju_reference: expected a number in (0, 6000], got "${dju}"`);
    if (!source) throw new Error(`${at}: source: expected where the value comes from, got nothing`);
    out.set(dept, { dept, zone: zone as ClimateZone, dju: n, source });
  });
  return out;
}

let cached: Map<string, ReferenceDegreeDays> | null = null;

/** The shipped table, read once. */
export function shippedReference(): Map<string, ReferenceDegreeDays> {
  return (cached ??= parseReferenceCsv(readFileSync(REFERENCE_CSV, 'utf8'), REFERENCE_CSV));
}
