/**
 * The France Chaleur Urbaine eligibility decision (domain.md §3), pure: the distances and
 * containments found around a place in, the FCU type out. The geometry that finds them is in
 * network-index.ts.
 */

/** The 11 FCU types, in decision order (first match wins). */
export const ELIGIBILITY_TYPES = [
  'dans_pdp_reseau_existant',
  'dans_pdp_reseau_futur',
  'reseau_existant_tres_proche',
  'reseau_futur_tres_proche',
  'dans_zone_reseau_futur',
  'reseau_existant_proche',
  'reseau_futur_proche',
  'reseau_existant_loin',
  'reseau_futur_loin',
  'dans_ville_reseau_existant_sans_trace',
  'trop_eloigne',
] as const;
export type EligibilityType = (typeof ELIGIBILITY_TYPES)[number];

/** The eligible types: the PDP, very-close, in-zone and close ones — the first seven of the order. */
const ELIGIBLE: ReadonlySet<EligibilityType> = new Set(
  ELIGIBILITY_TYPES.slice(0, ELIGIBILITY_TYPES.indexOf('reseau_existant_loin')),
);

/** CPCU (Paris): its SNCU ids get the shorter thresholds. */
export const CPCU_SNCU_IDS: ReadonlySet<string> = new Set(['7501C', '7511C']);
/** Beyond this nothing is reported as near ("loin" ends here). */
export const FAR_M = 1000;
/** A demand is assigned to a network when eligible or nearer than this. */
export const ASSIGNMENT_MAX_M = 500;

export interface Thresholds {
  veryCloseM: number;
  closeM: number;
}

/** Very close / eligible distances of a network: 60/100 m for CPCU, else (and for every future network) 100/200 m. */
export function thresholdsOf(sncuId: string | null, future: boolean): Thresholds {
  if (!future && sncuId && CPCU_SNCU_IDS.has(sncuId.trim().toUpperCase()))
    return { veryCloseM: 60, closeM: 100 };
  return { veryCloseM: 100, closeM: 200 };
}

/** What an answer says of a network. */
export interface NetworkSummary {
  id_fcu: number;
  sncu_id: string | null;
  name: string | null;
  operator: string | null;
  enrr_rate: number | null;
  co2_acv: number | null;
}

/** A network as the decision sees it. */
export interface NetworkRef extends NetworkSummary {
  future: boolean;
}

/** The summary fields of a network (a row or a ref carries more). */
export function summaryOf(n: NetworkSummary): NetworkSummary {
  const { id_fcu, sncu_id, name, operator, enrr_rate, co2_acv } = n;
  return { id_fcu, sncu_id, name, operator, enrr_rate, co2_acv };
}

export interface NearNetwork {
  network: NetworkRef;
  distanceM: number;
}

/** What the geometry found around the place (only open networks, cold networks excluded). */
export interface Evidence {
  /** Inside a PDP: the network it is associated with (nearest of the PDP's own networks), if any. */
  pdp: { network: NearNetwork | null } | null;
  /** The nearest traced existing heat network within FAR_M. */
  existing: NearNetwork | null;
  /** The nearest network under construction (line) within FAR_M. */
  future: NearNetwork | null;
  /** A construction zone the place is in. */
  zone: NetworkRef | null;
  /** An untraced existing network whose communes hold the place's commune. */
  untraced: NetworkRef | null;
}

export interface Decision {
  type: EligibilityType;
  eligible: boolean;
  /** The network the type refers to (null for trop_eloigne). */
  network: NetworkRef | null;
  /** Distance to that network, rounded to the metre; null in a zone, for an untraced network or when too far. */
  distanceM: number | null;
  inPdp: boolean;
  futureNetwork: boolean;
  /** FCU assignment of a demand: the network when eligible or nearer than ASSIGNMENT_MAX_M. */
  assignedNetworkId: number | null;
}

function decision(
  type: EligibilityType,
  network: NetworkRef | null,
  distanceM: number | null,
  inPdp: boolean,
): Decision {
  const eligible = ELIGIBLE.has(type);
  const d = distanceM === null ? null : Math.round(distanceM);
  const assigned =
    network &&
    (eligible || (d !== null && d < ASSIGNMENT_MAX_M)) &&
    type !== 'dans_ville_reseau_existant_sans_trace'
      ? network.id_fcu
      : null;
  return {
    type,
    eligible,
    network,
    distanceM: d,
    inPdp,
    futureNetwork: network?.future ?? false,
    assignedNetworkId: assigned,
  };
}

/** The FCU decision order of domain.md §3, first match wins. */
export function decide(e: Evidence): Decision {
  const inPdp = e.pdp !== null;
  if (e.pdp) {
    const n = e.pdp.network;
    if (!n || !n.network.future)
      return decision('dans_pdp_reseau_existant', n?.network ?? null, n?.distanceM ?? null, true);
    return decision('dans_pdp_reseau_futur', n.network, n.distanceM, true);
  }
  const ex = e.existing;
  const exT = ex ? thresholdsOf(ex.network.sncu_id, false) : null;
  const fu = e.future;
  const fuT = thresholdsOf(null, true);
  if (ex && exT && ex.distanceM <= exT.veryCloseM)
    return decision('reseau_existant_tres_proche', ex.network, ex.distanceM, inPdp);
  if (fu && fu.distanceM <= fuT.veryCloseM)
    return decision('reseau_futur_tres_proche', fu.network, fu.distanceM, inPdp);
  if (e.zone) return decision('dans_zone_reseau_futur', e.zone, null, inPdp);
  if (ex && exT && ex.distanceM <= exT.closeM)
    return decision('reseau_existant_proche', ex.network, ex.distanceM, inPdp);
  if (fu && fu.distanceM <= fuT.closeM)
    return decision('reseau_futur_proche', fu.network, fu.distanceM, inPdp);
  if (ex && ex.distanceM <= FAR_M) return decision('reseau_existant_loin', ex.network, ex.distanceM, inPdp);
  if (fu && fu.distanceM <= FAR_M) return decision('reseau_futur_loin', fu.network, fu.distanceM, inPdp);
  if (e.untraced) return decision('dans_ville_reseau_existant_sans_trace', e.untraced, null, inPdp);
  return decision('trop_eloigne', null, null, inPdp);
}
