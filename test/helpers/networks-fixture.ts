import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import type { SyntheticDb } from './synthetic-db.js';

/** Loads the heat networks of the synthetic export (its .geojson layers) into the store. */
export async function importSyntheticNetworks(db: SyntheticDb): Promise<void> {
  const layers = (await readdir(db.export))
    .filter((f) => f.endsWith('.geojson'))
    .map((f) => join(db.export, f));
  await importNetworks(db.store, layers);
}

/** The constructed buildings with a BDNB group, in BatID order: the candidates for an eligibility test. */
export async function constructedBuildings(store: Store): Promise<{ batid: string }[]> {
  return store.query<{ batid: string }>(
    `SELECT batid FROM batid.building WHERE status = 'constructed' AND batiment_groupe_id IS NOT NULL ORDER BY batid`,
  );
}
