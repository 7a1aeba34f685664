import type { AddressHit, SearchOptions } from '../address/address-index.js';
import type { ProfessionalInput } from './professional-row.js';

/** A geocoded address is kept at this score or above (RNB's rule, as GET /v1/buildings?address=). */
export const GEOCODING_MIN_SCORE = 0.8;

export type Geocoded =
  | { ok: true; lon: number; lat: number; score: number; citycode: string; postcode: string | null }
  | { ok: false; reason: string };

type Search = (q: string, opts: SearchOptions) => AddressHit[];

/**
 * The point of a professional's address from the local address index (no network call): the best
 * hit when it scores well and lies in the postcode or commune the row gives; else why not.
 */
export function geocodeProfessional(search: Search, p: ProfessionalInput): Geocoded {
  if (!p.address) return { ok: false, reason: 'no lon/lat and no address: not located' };
  const q = [p.address, p.codePostal, p.commune].filter(Boolean).join(' ');
  const [best] = search(q, { limit: 1, ...(p.codeCommune ? { citycode: p.codeCommune } : {}) });
  if (!best) return { ok: false, reason: `address "${q}" not found in the address index: not located` };
  if (best.score < GEOCODING_MIN_SCORE)
    return {
      ok: false,
      reason: `address "${q}" not located: best match "${best.label}" scores ${best.score.toFixed(2)} < ${GEOCODING_MIN_SCORE}`,
    };
  if (p.codePostal && best.postcode && best.postcode !== p.codePostal && best.citycode !== p.codeCommune)
    return {
      ok: false,
      reason: `address "${q}" not located: best match "${best.label}" is in postcode ${best.postcode}, not ${p.codePostal}`,
    };
  return {
    ok: true,
    lon: best.lon,
    lat: best.lat,
    score: best.score,
    citycode: best.citycode,
    postcode: best.postcode,
  };
}
