import type { Certificate } from './dpe-history.js';
import type { Prng } from './prng.js';
import type { Profile } from './profile.js';
import type { Construction, Group, Parcel, Town } from './world.js';

/** What one row of a table is about; columns.ts turns it into values. */
export interface RowCtx {
  town: Town;
  g?: Group;
  p?: Profile;
  c?: Construction;
  parcel?: Parcel;
  /** millésime year of a multi-year table */
  year?: number;
  /** the DPE certificate the row is about (dpe_logement, its relation, the representative one) */
  dpe?: Certificate;
}

/**
 * How many rows of a table hang on each entity. `share` is the fraction of groups (or parcels,
 * or towns) that have rows; calibrated so that scale 1 gives Allier-like counts (see
 * ALLIER_TARGETS in tables.ts).
 */
export type RowSource = (town: Town, profileOf: (g: Group) => Profile, rng: Prng) => Iterable<RowCtx>;

export function* perGroup(
  town: Town,
  profileOf: (g: Group) => Profile,
  rng: Prng,
  keep: (g: Group, p: Profile) => boolean | number,
): Iterable<RowCtx> {
  for (const g of town.groups) {
    const p = profileOf(g);
    const k = keep(g, p);
    if (k === true || (typeof k === 'number' && rng.chance(k))) yield { town, g, p };
  }
}
