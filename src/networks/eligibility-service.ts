/**
 * Heat-network eligibility of an address, a point or a building (contract §3): the place is
 * resolved (address search, building footprint), the networks in memory (network-index.ts) give
 * the evidence, eligibility-rules.ts decides, the building's DPE gives its heating, and
 * eligibility-message.ts says what it means. The bulk test (src/jobs/) uses the same pieces.
 */
import { addressServiceOf } from '../address/address-service.js';
import { lambert93ToWgs84, lonLatToLambert93 as toL93 } from '../geo/crs.js';
import { parseWkt, type Geom } from '../geo/wkt.js';
import { buildingsAt } from '../buildings/locate.js';
import { bdnbDeptOfCommune } from '../ingest/dept.js';
import type { Queryable, Store } from '../store/store.js';
import { inDept } from '../store/dept-statement.js';
import { registryVersion } from '../ids/id-index.js';
import {
  decide,
  summaryOf,
  type Decision,
  type EligibilityType,
  type NetworkSummary,
} from './eligibility-rules.js';
import { eligibilityMessage, type Heating } from './eligibility-message.js';
import {
  NetworkIndex,
  type CommuneArea,
  type NetworkFeature,
  type NetworkLayer,
  type Place,
} from './network-index.js';

/** The commune of a point with no loaded boundary: that of the nearest address within this. */
const COMMUNE_ADDRESS_MAX_M = 500;

interface NetworkRow extends NetworkSummary {
  layer: NetworkLayer;
  communes_insee: string[];
  has_trace: boolean | null;
  open_to_connections: boolean | null;
  is_zone: boolean | null;
  pdp_network_ids: number[];
  pdp_future_network_ids: number[];
  wkt: string;
}

function geomOf(wkt: string): Geom {
  const r = parseWkt(wkt);
  if (!r.ok || !r.geom) throw new Error(`unreadable geometry in fcu tables: ${r.ok ? 'empty' : r.error}`);
  return r.geom;
}

/** Every network and commune boundary of the database, as an index. */
export async function loadNetworkIndex(db: Queryable): Promise<NetworkIndex> {
  const rows = await db.query<NetworkRow>(
    `SELECT layer, id_fcu, sncu_id, name, operator, enrr_rate, co2_acv, communes_insee, has_trace,
            open_to_connections, is_zone, pdp_network_ids, pdp_future_network_ids, ST_AsText(geom) AS wkt
       FROM fcu.network ORDER BY layer, id_fcu`,
  );
  const features: NetworkFeature[] = rows.map((r) => ({
    layer: r.layer,
    ref: { ...summaryOf(r), future: r.layer === 'reseau_en_construction' },
    communes: r.communes_insee ?? [],
    hasTrace: r.has_trace,
    open: r.open_to_connections,
    isZone: r.is_zone,
    pdpNetworkIds: r.pdp_network_ids ?? [],
    pdpFutureIds: r.pdp_future_network_ids ?? [],
    geom: geomOf(r.wkt),
  }));
  const communes: CommuneArea[] = (
    await db.query<{ code_insee: string; wkt: string }>(
      `SELECT code_insee, ST_AsText(geom) AS wkt FROM fcu.commune`,
    )
  ).map((c) => ({ code: c.code_insee, geom: geomOf(c.wkt) }));
  return new NetworkIndex(features, communes);
}

/** How long (ms) a version check holds: another process's networks import shows within this. */
const VERSION_CHECK_MS = 1000;

/**
 * The network index of a store, reloaded when `batid import-networks` ran since: the version is
 * checked at most every second (an import in this process invalidates at once).
 */
export class NetworkService {
  private index: NetworkIndex | null = null;
  private version = -1;
  private checkedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  private async currentVersion(): Promise<number> {
    // read every second: prepared, like registryVersion (PGlite: 0.6 → 0.3 ms in-process)
    const [r] = await this.store.prepared<{ v: number }>(
      'networks_version',
      `SELECT coalesce(max(version), 0)::int AS v FROM fcu.import`,
      [],
    );
    return r!.v;
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const v = await this.currentVersion();
        if (v === this.version && this.index) return;
        this.index = await loadNetworkIndex(this.store);
        this.version = v;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The current index and the networks version it was built from. */
  async ready(): Promise<{ index: NetworkIndex; version: number }> {
    const now = Date.now();
    if (!this.index || now - this.checkedAt > VERSION_CHECK_MS) {
      this.checkedAt = now;
      if (!this.index || (await this.currentVersion()) !== this.version) await this.reload();
    }
    return { index: this.index!, version: this.version };
  }

  /** Networks were imported by this process: the next call reloads. */
  invalidate(): void {
    this.checkedAt = 0;
  }
}

const services = new WeakMap<Store, NetworkService>();

export function networkServiceOf(store: Store): NetworkService {
  let s = services.get(store);
  if (!s) services.set(store, (s = new NetworkService(store)));
  return s;
}

export interface BuildingHeating extends Heating {
  batid: string;
  source: string;
}

const HEATING_SOURCE = 'bdnb.batiment_groupe_dpe_representatif_logement';

/** A building's heating: its group's representative DPE (add a WHERE on b). */
const HEATING_SQL = `SELECT b.batid, d.type_installation_chauffage AS installation, d.type_energie_chauffage AS energy
   FROM batid.building b
   JOIN bdnb.batiment_groupe_dpe_representatif_logement d
     ON d.code_departement_insee = b.code_departement_insee AND d.batiment_groupe_id = b.batiment_groupe_id`;

/** The heating of one building (single answers): a prepared statement, planned once. */
export async function heatingOf(
  db: Pick<Store, 'prepared'>,
  b: { batid: string; dept: string },
): Promise<BuildingHeating | null> {
  const [r] = await db.prepared<{ batid: string; installation: string | null; energy: string | null }>(
    ...inDept('building_heating', `${HEATING_SQL} WHERE b.code_departement_insee = $1 AND b.batid = $2`, [
      b.dept,
      b.batid,
    ]),
  );
  return r ? { ...r, source: HEATING_SOURCE } : null;
}

/** Buildings whose heating is kept between bulk jobs, all départements together (~150 bytes each). */
const HEATING_KEPT = 1_000_000;

/**
 * The heating of every building of the départements bulk jobs touch: each département read once
 * with COPY (tens of thousands of rows in well under a second) instead of one query per chunk, and
 * kept between jobs while the registry is unchanged (`registryVersion`: an import or a lifecycle
 * run since drops it). Past `maxKept` buildings the least recently used départements go. A job
 * takes it with `heatingCacheOf(store).fresh()` when it starts.
 */
export class HeatingCache {
  /** in order of use, the most recent last */
  private readonly depts = new Map<string, { rows: number; map: Promise<Map<string, BuildingHeating>> }>();
  private version: string | null = null;

  constructor(
    private readonly db: Store,
    private readonly maxKept = HEATING_KEPT,
  ) {}

  /** This cache, emptied first if the registry has changed since it was filled. */
  async fresh(): Promise<this> {
    const v = await registryVersion(this.db);
    if (v !== this.version) {
      this.depts.clear();
      this.version = v;
    }
    return this;
  }

  /**
   * Reads every département of the registry when their buildings with a DPE fit in the cache: a
   * server does it at start, so that its first bulk job reads none (0.3–0.5 s for the 64,000 of
   * the synthetic département). How many buildings it holds then, or null when they do not fit:
   * the cache fills with the départements jobs ask for.
   */
  async warm(): Promise<number | null> {
    await this.fresh();
    // groups with a DPE: a bound cheap to count, not their buildings (a few more)
    const [c] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${HEATING_SOURCE} LIMIT $1) t`,
      [this.maxKept + 1],
    );
    if (c!.n > this.maxKept) return null;
    const depts = await this.db.query<{ dept: string }>(
      `SELECT DISTINCT code_departement_insee AS dept FROM ${HEATING_SOURCE} ORDER BY 1`,
    );
    let n = 0;
    for (const { dept } of depts) n += (await this.dept(dept)).size;
    return n;
  }

  private dept(dept: string): Promise<Map<string, BuildingHeating>> {
    const kept = this.depts.get(dept);
    if (kept) {
      this.depts.delete(dept);
      this.depts.set(dept, kept);
      return kept.map;
    }
    const entry = { rows: 0, map: Promise.resolve(new Map<string, BuildingHeating>()) };
    entry.map = this.db
      .copyOut<[string, string | null, string | null]>(
        `${HEATING_SQL} WHERE b.code_departement_insee = $1 AND b.status = 'constructed'`,
        [dept],
      )
      .then((rows) => {
        entry.rows = rows.length;
        this.evictBeyond(this.maxKept, dept);
        return new Map(
          rows.map(([batid, installation, energy]) => [
            batid,
            { batid, installation, energy, source: HEATING_SOURCE },
          ]),
        );
      });
    // a failed read is not kept: the next job reads again
    entry.map.catch(() => {
      if (this.depts.get(dept) === entry) this.depts.delete(dept);
    });
    this.depts.set(dept, entry);
    return entry.map;
  }

  /** Drops the least recently used départements but `keep` while more than `max` buildings are kept. */
  private evictBeyond(max: number, keep: string): void {
    let total = 0;
    for (const d of this.depts.values()) total += d.rows;
    for (const [k, d] of this.depts) {
      if (total <= max) break;
      if (k === keep) continue;
      this.depts.delete(k);
      total -= d.rows;
    }
  }

  /**
   * This cache's départements as they are, read-only: none is read nor evicted for a lookup (a
   * building of another département has no heating). The server's warm-up (warm-up.ts) looks up
   * through it: its rows come from the whole address index, and a national registry's does not
   * fit in the cache.
   */
  keptOnly(): Pick<HeatingCache, 'lookup'> {
    return { lookup: (depts) => lookupIn(depts, (d) => this.depts.get(d)?.map) };
  }

  /** The départements kept, least recently used first (tests). */
  get kept(): string[] {
    return [...this.depts.keys()];
  }

  async get(buildings: readonly { batid: string; dept: string }[]): Promise<Map<string, BuildingHeating>> {
    const heatingOf = await this.lookup(buildings.map((b) => b.dept));
    const out = new Map<string, BuildingHeating>();
    for (const b of buildings) {
      const h = heatingOf(b.dept, b.batid);
      if (h) out.set(b.batid, h);
    }
    return out;
  }

  /**
   * The heating of any building of these départements (each read once, then kept), looked up
   * without a list of the buildings nor a map of the answers: a bulk job asks it for every row.
   */
  lookup(depts: Iterable<string>): Promise<HeatingLookup> {
    return lookupIn(depts, (d) => this.dept(d));
  }
}

/** A building's heating by its département and BatID. */
type HeatingLookup = (dept: string, batid: string) => BuildingHeating | undefined;

/** Looks up in the maps `mapOf` gives for these départements (each asked once; none: no heating). */
async function lookupIn(
  depts: Iterable<string>,
  mapOf: (dept: string) => Promise<Map<string, BuildingHeating>> | undefined,
): Promise<HeatingLookup> {
  const byDept = new Map<string, Map<string, BuildingHeating> | undefined>();
  for (const d of depts) if (!byDept.has(d)) byDept.set(d, await mapOf(d));
  return (dept, batid) => byDept.get(dept)?.get(batid);
}

const heatingCaches = new WeakMap<Store, HeatingCache>();

/** The heating cache of a store (one per open store). */
export function heatingCacheOf(store: Store): HeatingCache {
  let c = heatingCaches.get(store);
  if (!c) heatingCaches.set(store, (c = new HeatingCache(store)));
  return c;
}

export interface EligibilityAnswer {
  type: EligibilityType;
  eligible: boolean;
  distance_m: number | null;
  network: NetworkSummary | null;
  in_pdp: boolean;
  future_network: boolean;
  untraced_network_in_commune: boolean;
  /** FCU's assignment of a demand to a network (eligible, or nearer than 500 m). */
  assigned_network_id: number | null;
  heating: { installation: string | null; energy: string | null; source: string } | null;
  message: string;
  /** What was measured from. */
  place: {
    kind: 'address' | 'point' | 'building';
    lon: number;
    lat: number;
    commune: string | null;
    batid: string | null;
    address: { cle_interop_adr: string; label: string; score: number } | null;
  };
  networks_version: number;
}

export function answerOf(
  d: Decision,
  heating: BuildingHeating | null,
  place: EligibilityAnswer['place'],
  extra: { untracedInCommune: boolean; version: number },
): EligibilityAnswer {
  const n = d.network;
  return {
    type: d.type,
    eligible: d.eligible,
    distance_m: d.distanceM,
    network: n ? summaryOf(n) : null,
    in_pdp: d.inPdp,
    future_network: d.futureNetwork,
    untraced_network_in_commune: extra.untracedInCommune,
    assigned_network_id: d.assignedNetworkId,
    heating: heating
      ? { installation: heating.installation, energy: heating.energy, source: heating.source }
      : null,
    message: eligibilityMessage(d, heating, place.batid !== null),
    place,
    networks_version: extra.version,
  };
}

/** No networks imported yet: an answer would say "too far" for every place. */
export class NetworksNotLoadedError extends Error {
  constructor() {
    super('no heat network imported yet: run `batid import-networks FILE.geojson`');
  }
}

/** The networks to answer with; throws NetworksNotLoadedError before any import. */
async function loadedNetworks(store: Store): Promise<{ index: NetworkIndex; version: number }> {
  const nets = await networkServiceOf(store).ready();
  if (nets.version === 0) throw new NetworksNotLoadedError();
  return nets;
}

export class EligibilityNotFoundError extends Error {
  constructor(
    readonly code: 'address_not_found' | 'building_not_found',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The communes of Lambert-93 points: the loaded boundary holding each, else the commune of the
 * nearest address within 500 m (one query for all the points that need it), else null.
 */
export async function communesOfPoints(
  db: Queryable,
  index: NetworkIndex,
  points: readonly [number, number][],
): Promise<(string | null)[]> {
  const out = points.map(([x, y]) => index.communeAt(x, y));
  const missing = out.flatMap((c, k) => (c === null ? [k] : []));
  if (!missing.length) return out;
  const rows = await db.query<{ i: number; code: string }>(
    `SELECT p.i, a.code
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i)
       CROSS JOIN LATERAL (
         SELECT code_commune_insee AS code FROM bdnb.adresse
          WHERE ST_DWithin(geom_adresse, ST_SetSRID(ST_MakePoint(p.x, p.y), 2154), $3)
          ORDER BY ST_Distance(geom_adresse, ST_SetSRID(ST_MakePoint(p.x, p.y), 2154)), cle_interop_adr LIMIT 1) a`,
    [missing.map((k) => points[k]![0]), missing.map((k) => points[k]![1]), COMMUNE_ADDRESS_MAX_M],
  );
  for (const r of rows) out[missing[r.i - 1]!] = r.code;
  return out;
}

/** Eligibility at a WGS84 point; the building there (if one clearly is) gives the heating. */
export async function eligibilityOfPoint(store: Store, lon: number, lat: number): Promise<EligibilityAnswer> {
  const { index, version } = await loadedNetworks(store);
  const [x, y] = toL93(lon, lat);
  const commune = (await communesOfPoints(store, index, [[x, y]]))[0] ?? null;
  const ev = index.evidence({ kind: 'point', x, y }, commune);
  const [building] = await buildingsAt(store, { lon, lat });
  const heating = building
    ? await heatingOf(store, { batid: building.batid, dept: building.code_departement_insee })
    : null;
  return answerOf(
    decide(ev),
    heating,
    { kind: 'point', lon, lat, commune, batid: building?.batid ?? null, address: null },
    { untracedInCommune: ev.untracedInCommune, version },
  );
}

/** Eligibility of the best address for a text, measured from the address point (as FCU does). */
export async function eligibilityOfAddress(store: Store, q: string): Promise<EligibilityAnswer> {
  const { index, version } = await loadedNetworks(store);
  // best(): search(q, { limit: 1 }) with a map lookup for an exact label, as the bulk test does
  const hit = (await addressServiceOf(store).ready()).best(q);
  if (!hit) throw new EligibilityNotFoundError('address_not_found', `no address matches "${q}"`);
  const [x, y] = toL93(hit.lon, hit.lat);
  const ev = index.evidence({ kind: 'point', x, y }, hit.citycode);
  const batid = hit.batids[0] ?? null;
  const dept = bdnbDeptOfCommune(hit.citycode);
  const heating = batid && dept ? await heatingOf(store, { batid, dept }) : null;
  return answerOf(
    decide(ev),
    heating,
    {
      kind: 'address',
      lon: hit.lon,
      lat: hit.lat,
      commune: hit.citycode,
      batid,
      address: { cle_interop_adr: hit.cle_interop_adr, label: hit.label, score: hit.score },
    },
    { untracedInCommune: ev.untracedInCommune, version },
  );
}

/** Eligibility of a building, measured from its footprint (0 m when a network crosses it). */
export async function eligibilityOfBuilding(store: Store, batid: string): Promise<EligibilityAnswer> {
  const { index, version } = await loadedNetworks(store);
  const [b] = await store.query<{
    dept: string;
    status: string;
    wkt: string | null;
    commune: string | null;
    x: number;
    y: number;
  }>(
    `SELECT b.code_departement_insee AS dept, b.status, ST_AsText(b.geom) AS wkt, g.code_commune_insee AS commune,
            ST_X(ST_PointOnSurface(b.geom)) AS x, ST_Y(ST_PointOnSurface(b.geom)) AS y
       FROM batid.building b
       LEFT JOIN bdnb.batiment_groupe g
         ON g.code_departement_insee = b.code_departement_insee AND g.batiment_groupe_id = b.batiment_groupe_id
      WHERE b.batid = $1`,
    [batid],
  );
  if (!b || !b.wkt)
    throw new EligibilityNotFoundError('building_not_found', `no building ${batid} with a footprint`);
  const footprint: Place = { kind: 'footprint', geom: geomOf(b.wkt) };
  const ev = index.evidence(footprint, b.commune ?? index.communeAt(b.x, b.y));
  const heating = await heatingOf(store, { batid, dept: b.dept });
  const [lon, lat] = lambert93ToWgs84(b.x, b.y);
  return answerOf(
    decide(ev),
    heating,
    {
      kind: 'building',
      lon: Math.round(lon * 1e7) / 1e7,
      lat: Math.round(lat * 1e7) / 1e7,
      commune: b.commune,
      batid,
      address: null,
    },
    { untracedInCommune: ev.untracedInCommune, version },
  );
}
