/**
 * `batid import-networks FILE…`: France Chaleur Urbaine layers into fcu.network (and commune
 * boundaries into fcu.commune), replacing the previous networks in one transaction and recording
 * a version in fcu.import. Features that cannot be read are reported with their file and index;
 * the others are imported.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { toHexEwkb } from '../geo/wkb.js';
import { retestStoredResults } from '../jobs/retest.js';
import { networkServiceOf } from './eligibility-service.js';
import type { Queryable, Store } from '../store/store.js';
import {
  NetworkFileError,
  parseNetworkGeoJson,
  type ParsedCommune,
  type ParsedNetwork,
} from './network-geojson.js';

export interface NetworkImportFile {
  file: string;
  crs: string;
  /** Features imported, by layer (communes under "commune"). */
  imported: Record<string, number>;
  ignored: Record<string, number>;
  problems: { feature: number; reason: string }[];
  /** Network features without ouvert_aux_raccordements (counted as open). */
  withoutOpenFlag: number;
}

export interface NetworkImportResult {
  version: number;
  files: NetworkImportFile[];
  networks: number;
  communes: number;
  /** Features whose id was already given by an earlier feature of the same layer (first kept). */
  duplicates: { file: string; feature: string }[];
  /** Stored bulk results re-tested on the new networks, and how many changed. */
  retest: { rows: number; changed: number };
}

export class NetworkImportError extends Error {}

const COLUMNS = [
  'layer',
  'id_fcu',
  'sncu_id',
  'name',
  'operator',
  'owner',
  'communes_insee',
  'classed',
  'has_pdp',
  'has_trace',
  'open_to_connections',
  'is_zone',
  'enrr_rate',
  'co2',
  'co2_acv',
  'price',
  'year_created',
  'length_km',
  'delivery_points',
  'pdp_network_ids',
  'pdp_future_network_ids',
  'properties',
  'source_file',
  'geom',
] as const;

const int = (n: number | null) => (n === null ? null : Math.round(n));

async function insertNetworks(tx: Queryable, rows: { n: ParsedNetwork; file: string }[]): Promise<void> {
  const BATCH = 200;
  for (let s = 0; s < rows.length; s += BATCH) {
    const params: unknown[] = [];
    const tuples = rows.slice(s, s + BATCH).map(({ n, file }) => {
      const values = [
        n.layer,
        n.id_fcu,
        n.sncu_id,
        n.name,
        n.operator,
        n.owner,
        n.communes_insee,
        n.classed,
        n.has_pdp,
        n.has_trace,
        n.open_to_connections,
        n.is_zone,
        n.enrr_rate,
        n.co2,
        n.co2_acv,
        n.price,
        int(n.year_created),
        n.length_km,
        int(n.delivery_points),
        n.pdp_network_ids,
        n.pdp_future_network_ids,
        JSON.stringify(n.properties),
        file,
        toHexEwkb(n.geom, 2154),
      ];
      const base = params.length;
      params.push(...values);
      return `(${values
        .map((_, k) => {
          const col = COLUMNS[k];
          const p = `$${base + k + 1}`;
          if (col === 'communes_insee') return `${p}::text[]`;
          if (col === 'pdp_network_ids' || col === 'pdp_future_network_ids') return `${p}::integer[]`;
          if (col === 'properties') return `${p}::jsonb`;
          if (col === 'geom') return `ST_MakeValid(${p}::geometry)`;
          return p;
        })
        .join(', ')})`;
    });
    await tx.query(`INSERT INTO fcu.network (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

async function insertCommunes(tx: Queryable, communes: ParsedCommune[]): Promise<void> {
  for (const c of communes)
    await tx.query(
      `INSERT INTO fcu.commune (code_insee, name, geom) VALUES ($1, $2, ST_MakeValid($3::geometry))
       ON CONFLICT (code_insee) DO UPDATE SET name = excluded.name, geom = excluded.geom`,
      [c.code_insee, c.name, toHexEwkb(c.geom, 2154)],
    );
}

/**
 * Imports the files together: they form the new set of networks (every layer), which replaces
 * the previous one atomically. Commune boundaries are replaced only when the files carry some.
 */
export async function importNetworks(store: Store, paths: readonly string[]): Promise<NetworkImportResult> {
  if (!paths.length) throw new NetworkImportError('no file given');
  const files: NetworkImportFile[] = [];
  const networks: { n: ParsedNetwork; file: string }[] = [];
  const communes = new Map<string, ParsedCommune>();
  const seen = new Set<string>();
  const duplicates: NetworkImportResult['duplicates'] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new NetworkImportError(
        `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    const name = basename(path);
    let parsed;
    try {
      parsed = parseNetworkGeoJson(text, name);
    } catch (err) {
      if (err instanceof NetworkFileError) throw new NetworkImportError(`${path}: ${err.message}`);
      throw err;
    }
    const imported: Record<string, number> = {};
    let withoutOpenFlag = 0;
    for (const n of parsed.networks) {
      const key = `${n.layer}:${n.id_fcu}`;
      if (seen.has(key)) {
        duplicates.push({ file: name, feature: key });
        continue;
      }
      seen.add(key);
      networks.push({ n, file: name });
      imported[n.layer] = (imported[n.layer] ?? 0) + 1;
      if (n.layer !== 'pdp' && n.open_to_connections === null) withoutOpenFlag++;
    }
    for (const c of parsed.communes) {
      communes.set(c.code_insee, c);
      imported.commune = (imported.commune ?? 0) + 1;
    }
    files.push({
      file: name,
      crs: `EPSG:${parsed.crs} (from the ${parsed.crsFrom})`,
      imported,
      ignored: parsed.ignored,
      problems: parsed.problems,
      withoutOpenFlag,
    });
  }
  const version = await store.transaction(async (tx) => {
    await tx.query('DELETE FROM fcu.network');
    await insertNetworks(tx, networks);
    if (communes.size) {
      await tx.query('DELETE FROM fcu.commune');
      await insertCommunes(tx, [...communes.values()]);
    }
    const [row] = await tx.query<{ version: number }>(
      `INSERT INTO fcu.import (files, features, crs_detected) VALUES ($1::text[], $2, $3) RETURNING version`,
      [
        files.map((f) => f.file),
        networks.length + communes.size,
        files.map((f) => `${f.file}: ${f.crs}`).join('; '),
      ],
    );
    return row!.version;
  });
  networkServiceOf(store).invalidate();
  const retest = await retestStoredResults(store);
  return { version, files, networks: networks.length, communes: communes.size, duplicates, retest };
}
