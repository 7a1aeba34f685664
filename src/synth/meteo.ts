/**
 * Synthetic daily weather in Météo-France's layout (« Données climatologiques de base –
 * quotidiennes », `Q_<dept>_…_RR-T-Vent.csv.gz`), so that `batid dju import` has something to
 * read in the demo and the tests. Three stations at the département's three largest towns,
 * 2014–2025: a seasonal cycle set by the climate zone, a warmer or colder year and winter, day-to-
 * day weather (AR(1)), a few empty TN/TX; station 2 has a three-week gap in January 2019 (an
 * incomplete year) and station 3 opens on 1 June 2016. Same seed, same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lambert93ToWgs84 } from '../geo/crs.js';
import { shippedReference } from '../copro/degree-days-reference.js';
import { dayOfYear, isLeapYear } from '../copro/dju.js';
import { Prng, seedOf } from './prng.js';
import type { Town } from './world.js';

export const METEO_FIRST_YEAR = 2014;
export const METEO_LAST_YEAR = 2025;

const HEADER =
  'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX;HTX;QHTX;TM;QTM;TNTXM;QTNTXM;' +
  'TAMPLI;QTAMPLI;TNSOL;QTNSOL;TN50;QTN50;DG;QDG;FFM;QFFM;FF2M;QFF2M;FXY;QFXY;DXY;QDXY;HXY;QHXY;FXI;QFXI;' +
  'DXI;QDXI;HXI;QHXI;FXI2;QFXI2;DXI2;QDXI2;HXI2;QHXI2;FXI3S;QFXI3S;DXI3S;QDXI3S;HXI3S;QHXI3S;DRR;QDRR';
/** The empty columns TNSOL…QDG before FFM, and FF2M…QDRR after QFFM. */
const TAIL_BEFORE_FFM = ';'.repeat(6);
const TAIL_AFTER_FFM = ';'.repeat(28);

/** Annual mean temperature at 200 m and half the yearly swing, °C, per climate zone. */
const CLIMATE: Record<string, [number, number]> = {
  H1a: [11.5, 7.5],
  H1b: [10.5, 8.8],
  H1c: [11, 8.5],
  H2a: [12, 5.8],
  H2b: [12.2, 7.2],
  H2c: [13.3, 7.4],
  H2d: [12.8, 8.4],
  H3: [15.3, 7.6],
};
const TROPICAL: [number, number] = [26, 1.5];

export function meteoFileName(dept: string): string {
  const d = dept === '2A' || dept === '2B' ? '20' : dept;
  return `Q_${d}_synth-${METEO_FIRST_YEAR}-${METEO_LAST_YEAR}_RR-T-Vent.csv.gz`;
}

const fx = (x: number) => (Math.round(x * 10) / 10).toFixed(1);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The file's text (not compressed). */
export function synthMeteoText(towns: readonly Town[], dept: string, seed: number): string {
  const [mean, amp] = CLIMATE[shippedReference().get(dept)?.zone ?? ''] ?? TROPICAL;
  const sites = [...towns]
    .sort((a, b) => b.commune.population - a.commune.population || (a.commune.code < b.commune.code ? -1 : 1))
    .slice(0, 3);
  const climate = new Prng(seedOf(`meteo:${dept}`, seed));
  // the same year-to-year and winter anomalies at every station of the département
  const yearAnomaly = new Map<number, number>();
  const winterAnomaly = new Map<number, number>();
  for (let y = METEO_FIRST_YEAR; y <= METEO_LAST_YEAR + 1; y++) {
    yearAnomaly.set(y, climate.normal(0, 0.6));
    winterAnomaly.set(y, climate.normal(0, 1.1));
  }
  const out: string[] = [`${HEADER}\n`];
  sites.forEach((town, i) => {
    const rng = new Prng(seedOf(`meteo:${town.commune.code}`, seed));
    const station = `${town.commune.code.replace(/^2[AB]/, '20')}${pad(i + 1, 3)}`;
    const [lon, lat] = lambert93ToWgs84((town.core[0] + town.core[2]) / 2, (town.core[1] + town.core[3]) / 2);
    const alti = rng.int(150, 480);
    const head = `${station};${town.commune.nom.toUpperCase()};${lat.toFixed(6)};${lon.toFixed(6)};${alti};`;
    const offset = -0.0065 * (alti - 200) + rng.normal(0, 0.3);
    let weather = 0;
    for (let y = METEO_FIRST_YEAR; y <= METEO_LAST_YEAR; y++) {
      const yearLen = isLeapYear(y) ? 366 : 365;
      for (let m = 1; m <= 12; m++)
        for (let d = 1; d <= 31; d++) {
          const doy = dayOfYear(y, m, d);
          if (doy < 0) continue;
          weather = 0.7 * weather + rng.normal(0, 2.2);
          if (i === 2 && (y < 2016 || (y === 2016 && m < 6))) continue; // opens on 1 June 2016
          // winter = the cold months around 1 January (Oct–Dec belong to the next winter)
          const winter = m >= 10 ? winterAnomaly.get(y + 1)! : m <= 4 ? winterAnomaly.get(y)! : 0;
          const tMean =
            mean +
            offset +
            yearAnomaly.get(y)! +
            winter -
            amp * Math.cos((2 * Math.PI * (doy - 16)) / yearLen) +
            weather;
          const range = 9 + 3 * Math.sin((2 * Math.PI * (doy - 80)) / yearLen) + rng.normal(0, 1.5);
          const tn = tMean - Math.max(2, range) / 2;
          const tx = tMean + Math.max(2, range) / 2;
          const gap = i === 1 && y === 2019 && m === 1 && d >= 5 && d <= 26;
          const noTn = gap || rng.chance(0.004);
          const noTx = gap || rng.chance(0.004);
          const rr = rng.chance(0.45) ? fx(rng.float(0, 1) ** 2 * 25) : '0.0';
          const tnText = noTn ? ';;;' : `${fx(tn)};1;${pad(rng.int(3, 7))}${pad(rng.int(0, 59))};9`;
          const txText = noTx ? ';;;' : `${fx(tx)};1;${pad(rng.int(13, 16))}${pad(rng.int(0, 59))};9`;
          const both = noTn || noTx ? ';;;' : `${fx((tn + tx) / 2)};1;${fx(tx - tn)};1`;
          out.push(
            `${head}${y}${pad(m)}${pad(d)};${rr};1;${tnText};${txText};;;${both};${TAIL_BEFORE_FFM}${fx(rng.float(1, 7))};1${TAIL_AFTER_FFM}\n`,
          );
        }
    }
  });
  return out.join('');
}

/** Writes `<out>/Q_<dept>_synth-2014-2025_RR-T-Vent.csv.gz`; returns the file name. */
export async function writeSynthMeteo(
  out: string,
  towns: readonly Town[],
  dept: string,
  seed: number,
): Promise<string> {
  const name = meteoFileName(dept);
  await writeFile(join(out, name), gzipSync(synthMeteoText(towns, dept, seed)));
  return name;
}
