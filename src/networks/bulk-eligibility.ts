/**
 * Eligibility of a chunk of bulk-test rows: addresses geocoded by the in-memory address index
 * (or lon/lat read), buildings found (the address's first building, or the building at the
 * point, in one query per chunk), heating read (one query per département), and the FCU
 * decision taken on the in-memory networks. Every row comes back, in order, with a status.
 */
import type { AddressIndex } from '../address/address-index.js';
import { buildingsAtPoints } from '../buildings/locate.js';
import { deptOfCommune } from '../ingest/dept.js';
import type { BulkRow } from '../jobs/bulk-row.js';
import type { Store } from '../store/store.js';
import { decide, thresholdsOf, type Decision, type Evidence } from './eligibility-rules.js';
import { lonLatToLambert93 as toL93 } from '../geo/crs.js';
import { communesOfPoints, type HeatingCache } from './eligibility-service.js';
import type { NetworkIndex } from './network-index.js';

export type Connectable = 'Oui' | 'Non' | 'A confirmer';

export interface BulkResult {
  row_no: number;
  line: number;
  fields: string[];
  /** the address text read, or "lon, lat" */
  input: string | null;
  status: 'ok' | 'not_geocoded' | 'invalid';
  reason: string | null;
  label: string | null;
  score: number | null;
  lon: number | null;
  lat: number | null;
  citycode: string | null;
  batid: string | null;
  installation: string | null;
  energy: string | null;
  type: string | null;
  eligible: boolean | null;
  distance_m: number | null;
  id_fcu: number | null;
  sncu_id: string | null;
  network_name: string | null;
  operator: string | null;
  enrr_rate: number | null;
  co2_acv: number | null;
  in_pdp: boolean | null;
  existing_status: Connectable | null;
  future_status: Connectable | null;
  untraced: boolean | null;
  networks_version: number;
}

/** FCU's "connectable to an existing network" and "… to a network under construction", from the evidence. */
export function connectable(e: Evidence): { existing: Connectable; future: Connectable } {
  const ex = e.existing;
  const t = ex ? thresholdsOf(ex.network.sncu_id, false) : null;
  const pdpFuture = e.pdp?.network?.network.future;
  const existing: Connectable =
    (e.pdp && !pdpFuture) || (ex && t && ex.distanceM <= t.veryCloseM)
      ? 'Oui'
      : ex && t && ex.distanceM <= t.closeM
        ? 'A confirmer'
        : 'Non';
  const fu = e.future;
  const ft = thresholdsOf(null, true);
  const future: Connectable =
    (e.pdp && pdpFuture) || e.zone || (fu && fu.distanceM <= ft.veryCloseM)
      ? 'Oui'
      : fu && fu.distanceM <= ft.closeM
        ? 'A confirmer'
        : 'Non';
  return { existing, future };
}

/** The result columns a decision sets. */
export type DecisionColumns = Pick<
  BulkResult,
  | 'type'
  | 'eligible'
  | 'distance_m'
  | 'id_fcu'
  | 'sncu_id'
  | 'network_name'
  | 'operator'
  | 'enrr_rate'
  | 'co2_acv'
  | 'in_pdp'
  | 'existing_status'
  | 'future_status'
  | 'untraced'
>;

/** The result columns of a decision. */
export function decisionColumns(d: Decision, e: Evidence & { untracedInCommune: boolean }): DecisionColumns {
  // setDecision writes every column
  const o = {} as DecisionColumns;
  setDecision(o, d, e);
  return o;
}

/** Writes the result columns of a decision into `o` (in place: once per row of a bulk job). */
function setDecision(o: DecisionColumns, d: Decision, e: Evidence & { untracedInCommune: boolean }): void {
  const c = connectable(e);
  o.type = d.type;
  o.eligible = d.eligible;
  o.distance_m = d.distanceM;
  o.id_fcu = d.network?.id_fcu ?? null;
  o.sncu_id = d.network?.sncu_id ?? null;
  o.network_name = d.network?.name ?? null;
  o.operator = d.network?.operator ?? null;
  o.enrr_rate = d.network?.enrr_rate ?? null;
  o.co2_acv = d.network?.co2_acv ?? null;
  o.in_pdp = d.inPdp;
  o.existing_status = c.existing;
  o.future_status = c.future;
  o.untraced = e.untracedInCommune;
}

export interface BulkContext {
  db: Store;
  /** Heating by whole département, kept between jobs (eligibility-service.ts HeatingCache). */
  heating: Pick<HeatingCache, 'lookup'>;
  /** Needed for address rows only. */
  addresses: AddressIndex | null;
  networks: NetworkIndex;
  networksVersion: number;
}

/** Evaluates rows numbered from `firstRowNo`, in order. */
export async function evaluateRows(
  ctx: BulkContext,
  rows: readonly BulkRow[],
  firstRowNo: number,
): Promise<BulkResult[]> {
  const out: BulkResult[] = rows.map((r, k) => ({
    row_no: firstRowNo + k,
    line: r.line,
    fields: r.fields,
    input: r.address ?? (r.lon !== undefined && r.lat !== undefined ? `${r.lon}, ${r.lat}` : null),
    status: 'invalid',
    reason: r.error ?? null,
    label: null,
    score: null,
    lon: null,
    lat: null,
    citycode: null,
    batid: null,
    installation: null,
    energy: null,
    // no decision yet (setDecision writes them): one literal, one shape, for every row
    type: null,
    eligible: null,
    distance_m: null,
    id_fcu: null,
    sncu_id: null,
    network_name: null,
    operator: null,
    enrr_rate: null,
    co2_acv: null,
    in_pdp: null,
    existing_status: null,
    future_status: null,
    untraced: null,
    networks_version: ctx.networksVersion,
  }));
  const xy: ([number, number] | null)[] = rows.map(() => null);
  const points: { k: number; x: number; y: number }[] = [];
  rows.forEach((r, k) => {
    const o = out[k]!;
    if (r.error) return;
    if (r.address !== undefined) {
      if (!ctx.addresses) throw new Error('address rows need the address index');
      const hit = ctx.addresses.best(r.address);
      if (!hit) {
        o.status = 'not_geocoded';
        o.reason = 'adresse introuvable';
        return;
      }
      // plain stores, not Object.assign: this runs for every row of a bulk job
      o.status = 'ok';
      o.label = hit.label;
      o.score = hit.score;
      o.lon = hit.lon;
      o.lat = hit.lat;
      o.citycode = hit.citycode;
      o.batid = hit.batids[0] ?? null;
      xy[k] = toL93(hit.lon, hit.lat);
    } else if (r.lon !== undefined && r.lat !== undefined) {
      o.status = 'ok';
      o.lon = r.lon;
      o.lat = r.lat;
      const p = toL93(r.lon, r.lat);
      xy[k] = p;
      points.push({ k, x: p[0], y: p[1] });
    } else {
      o.reason = 'ni adresse ni coordonnées';
    }
  });
  // lon/lat rows: the building at each point and the commune of each, in one query each
  const found = await buildingsAtPoints(ctx.db, points);
  const communes = await communesOfPoints(
    ctx.db,
    ctx.networks,
    points.map((p) => [p.x, p.y]),
  );
  const deptOf = new Map<number, string>();
  points.forEach((p, j) => {
    const b = found[j];
    if (b) {
      out[p.k]!.batid = b.batid;
      deptOf.set(p.k, b.code_departement_insee);
    }
    out[p.k]!.citycode = communes[j] ?? null;
  });
  // the département of each row's building: the building's own, else its commune's
  const buildingDept = out.map((o, k) =>
    o.batid ? (deptOf.get(k) ?? (o.citycode ? deptOfCommune(o.citycode) : null)) : null,
  );
  const heatingOf = await ctx.heating.lookup(new Set(buildingDept.filter((d) => d !== null)));
  out.forEach((o, k) => {
    const p = xy[k];
    if (!p) return;
    const ev = ctx.networks.evidence({ kind: 'point', x: p[0], y: p[1] }, o.citycode);
    setDecision(o, decide(ev), ev);
    const dept = buildingDept[k];
    const h = o.batid && dept ? heatingOf(dept, o.batid) : undefined;
    if (h) {
      o.installation = h.installation;
      o.energy = h.energy;
    }
  });
  return out;
}
