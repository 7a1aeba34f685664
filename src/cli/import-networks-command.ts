import { NetworkImportError, importNetworks, type NetworkImportResult } from '../networks/import-networks.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const HELP = `usage: batid import-networks FILE.geojson…
  Imports France Chaleur Urbaine heat-network layers (GeoJSON, EPSG:2154 or WGS84): existing and
  cold networks, networks and zones under construction, PDP, and commune boundaries. The layer of
  a feature comes from its file name (reseaux_de_chaleur, reseaux_de_froid,
  zones_et_reseaux_en_construction, pdp) or from its "type" property. The files given together
  replace the networks imported before, in one transaction.
`;

const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'nothing';

/** The lines printed after an import (one per file, then the total). */
export function networkImportLines(r: NetworkImportResult): string[] {
  const lines: string[] = [];
  for (const f of r.files) {
    lines.push(`${f.file}: ${counts(f.imported)} imported, ${f.problems.length} rejected (${f.crs})`);
    if (Object.keys(f.ignored).length) lines.push(`  ignored: ${counts(f.ignored)}`);
    if (f.withoutOpenFlag)
      lines.push(
        `  ${f.withoutOpenFlag} networks without ouvert_aux_raccordements: counted as open to connections`,
      );
    for (const p of f.problems) lines.push(`  ${f.file}: feature ${p.feature}: ${p.reason}`);
  }
  for (const d of r.duplicates) lines.push(`  ${d.file}: ${d.feature} given twice, first kept`);
  lines.push(`networks version ${r.version}: ${r.networks} networks, ${r.communes} commune boundaries`);
  if (r.retest.rows)
    lines.push(
      `${r.retest.rows} stored bulk results re-tested: ${r.retest.changed} changed (see GET /v1/jobs/{id}/changes)`,
    );
  return lines;
}

/** `batid import-networks FILE…`. */
export async function runImportNetworks(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...DB_OPTIONS });
  if (values.help || !positionals.length) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const r = await importNetworks(store, positionals);
    process.stdout.write(`${networkImportLines(r).join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof NetworkImportError) {
      process.stderr.write(`batid import-networks: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
