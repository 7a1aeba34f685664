import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Prng, seedOf } from './prng.js';
import type { Town } from './world.js';

type Geometry =
  | { type: 'MultiLineString'; coordinates: number[][][] }
  | { type: 'Point'; coordinates: number[] }
  | { type: 'Polygon'; coordinates: number[][][] };

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: Geometry;
}

const CRS = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } };
const OPERATORS = ['Dalkia', 'Engie Solutions', 'Coriance', 'Idex', 'Régie municipale'];

function collection(features: Feature[]) {
  return JSON.stringify({ type: 'FeatureCollection', crs: CRS, features });
}

/** The town's two central streets, west to east, and a north–south connector through its centre. */
function networkLines(t: Town): number[][][] {
  const mid = Math.floor(t.streets.length / 2);
  const streets = t.streets.slice(Math.max(0, mid - 1), mid + 1);
  const cx = Math.round((t.core[0] + t.core[2]) / 2);
  const lines = streets.map((s) => [
    [s.x0 + 20, s.y],
    [s.x1 - 20, s.y],
  ]);
  if (streets.length > 1)
    lines.push([
      [cx, streets[0]!.y],
      [cx, streets[streets.length - 1]!.y],
    ]);
  return lines;
}

/**
 * Heat networks in the France Chaleur Urbaine open-data layout (EPSG:2154, `crs` member), along
 * the central streets of the biggest towns; groups on those streets are marked near a network.
 * Written before the tables, so heating can follow (more collective heat-network heating nearby).
 */
export function planNetworks(towns: Town[], dept: string, seed: number): Record<string, string> {
  const rng = new Prng(seedOf('networks', seed));
  const big = [...towns]
    .filter((t) => t.streets.length >= 2)
    .sort((a, b) => b.groups.length - a.groups.length)
    .slice(0, 6);
  const heat: Feature[] = [];
  big.forEach((t, i) => {
    const lines = networkLines(t);
    const ys = new Set(lines.flatMap((l) => (l[0]![1] === l[1]![1] ? [l[0]![1]] : [])));
    for (const g of t.groups) if (ys.has(g.street.y)) g.nearNetwork = true;
    const length = lines.reduce((s, l) => s + Math.hypot(l[1]![0]! - l[0]![0]!, l[1]![1]! - l[0]![1]!), 0);
    const co2 = Math.round(rng.float(0.04, 0.22) * 1000) / 1000;
    heat.push({
      type: 'Feature',
      properties: {
        id_fcu: 1000 + i,
        'Identifiant reseau': `${dept}${String(i + 1).padStart(2, '0')}C`,
        nom_reseau: `Réseau de chaleur de ${t.commune.nom}`,
        Gestionnaire: rng.pick(OPERATORS),
        MO: `Ville de ${t.commune.nom}`,
        communes_insee: [t.commune.code],
        'reseaux classes': i === 0,
        has_PDP: i === 0,
        has_trace: true,
        ouvert_aux_raccordements: i !== 4,
        'Taux EnR&R': Math.round(rng.float(35, 85)),
        'contenu CO2': co2,
        'contenu CO2 ACV': Math.round((co2 + 0.02) * 1000) / 1000,
        PM: Math.round(rng.float(70, 115) * 100) / 100,
        annee_creation: rng.int(1965, 2020),
        longueur_reseau: Math.round(length) / 1000,
        nb_pdl: Math.round(length / 40),
      },
      geometry: { type: 'MultiLineString', coordinates: lines },
    });
  });
  // two networks with no trace: a point in the commune, known by its communes_insee
  const small = [...towns].sort((a, b) => b.groups.length - a.groups.length).slice(6, 8);
  small.forEach((t, i) => {
    heat.push({
      type: 'Feature',
      properties: {
        id_fcu: 2000 + i,
        'Identifiant reseau': `${dept}${String(20 + i)}C`,
        nom_reseau: `Chaufferie bois de ${t.commune.nom}`,
        Gestionnaire: 'Régie municipale',
        MO: `Commune de ${t.commune.nom}`,
        communes_insee: [t.commune.code],
        'reseaux classes': false,
        has_PDP: false,
        has_trace: false,
        ouvert_aux_raccordements: true,
        'Taux EnR&R': 90,
        'contenu CO2': 0.03,
        'contenu CO2 ACV': 0.05,
        PM: 85,
        annee_creation: 2012 + i,
        longueur_reseau: 0.8,
        nb_pdl: 12,
      },
      geometry: {
        type: 'Point',
        coordinates: [Math.round((t.core[0] + t.core[2]) / 2), Math.round((t.core[1] + t.core[3]) / 2)],
      },
    });
  });
  const files: Record<string, string> = { 'reseaux_de_chaleur.geojson': collection(heat) };
  const first = big[0];
  if (first) {
    const c = networkLines(first)[0]!;
    files['reseaux_de_froid.geojson'] = collection([
      {
        type: 'Feature',
        properties: {
          id_fcu: 3000,
          'Identifiant reseau': `${dept}01F`,
          nom_reseau: `Réseau de froid de ${first.commune.nom}`,
          Gestionnaire: 'Engie Solutions',
          communes_insee: [first.commune.code],
          has_trace: true,
          ouvert_aux_raccordements: true,
        },
        geometry: { type: 'MultiLineString', coordinates: [[c[0]!, [c[0]![0]! + 300, c[0]![1]!]]] },
      },
    ]);
    const [x0, y0, x1, y1] = first.core;
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    files['pdp.geojson'] = collection([
      {
        type: 'Feature',
        properties: {
          id_fcu: 4000,
          'Identifiant reseau': `${dept}01C`,
          nom_reseau: `Réseau de chaleur de ${first.commune.nom}`,
          communes: [first.commune.code],
        },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [mx - 400, my - 250],
              [mx + 400, my - 250],
              [mx + 400, my + 250],
              [mx - 400, my + 250],
              [mx - 400, my - 250],
            ],
          ],
        },
      },
    ]);
  }
  const second = big[1];
  if (second) {
    const [x0, y0, x1] = second.core;
    const s = second.streets[0]!;
    files['zones_et_reseaux_en_construction.geojson'] = collection([
      {
        type: 'Feature',
        properties: {
          id_fcu: 5000,
          nom_reseau: `Extension ${second.commune.nom}`,
          Gestionnaire: 'Coriance',
          communes_insee: [second.commune.code],
          is_zone: true,
          mise_en_service: '2027',
        },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [x0, y0],
              [x0 + 300, y0],
              [x0 + 300, y0 + 200],
              [x0, y0 + 200],
              [x0, y0],
            ],
          ],
        },
      },
      {
        type: 'Feature',
        properties: {
          id_fcu: 5001,
          nom_reseau: `Antenne ${second.commune.nom}`,
          Gestionnaire: 'Coriance',
          communes_insee: [second.commune.code],
          is_zone: false,
          mise_en_service: '2026',
        },
        geometry: {
          type: 'MultiLineString',
          coordinates: [
            [
              [x1 - 400, s.y],
              [x1 - 20, s.y],
            ],
          ],
        },
      },
    ]);
  }
  return files;
}

export async function writeNetworks(out: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(out, name), `${text}\n`);
}
