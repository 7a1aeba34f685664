import { bdnbDeptOfCommune } from '../ingest/dept.js';
import { lambert93ToWgs84 } from '../geo/crs.js';
import type { Store } from '../store/store.js';
import { pause, SLICE } from '../util/pause.js';
import { inDept } from '../store/dept-statement.js';
import { registryVersion } from '../ids/id-index.js';
import { AddressIndex, type AddressHit, type AddressRecord, type SearchOptions } from './address-index.js';

/** How often (ms) a running server checks whether an import changed the addresses. */
const FRESHNESS_MS = 2000;

/** A COPY text field as a number, null when empty. */
type N = string | null;
const num = (v: N) => (v === null || v === '' ? null : Number(v));

/**
 * Every address of the database, for the index: bdnb.adresse, then ban.adresse (a BAN row
 * replaces the BDNB row of the same key), each with the BatIDs of the buildings linked to it.
 * Read with COPY and joined here (PGlite reads rows ~5× faster that way and its joins are slow);
 * Lambert-93 → WGS84 by proj4 (PostGIS's ST_Transform costs seconds per 100k points in WASM).
 * The loops pause every SLICE rows: millions of rows must not hold the event loop for seconds.
 */
export async function loadAddresses(store: Store): Promise<AddressRecord[]> {
  let n = 0;
  const due = () => ++n % SLICE === 0;
  const ofGroup = new Map<string, string[]>();
  for (const [dept, bg, batid] of await store.copyOut<[string, string, string]>(
    `SELECT code_departement_insee, batiment_groupe_id, batid FROM batid.building
      WHERE status = 'constructed' AND batiment_groupe_id IS NOT NULL`,
  )) {
    if (due()) await pause();
    const k = `${dept}|${bg}`;
    const list = ofGroup.get(k);
    if (list) list.push(batid);
    else ofGroup.set(k, [batid]);
  }
  const linked = new Map<string, Set<string>>();
  for (const [id, bg, dept] of await store.copyOut<[string | null, string, string]>(
    `SELECT cle_interop_adr, batiment_groupe_id, code_departement_insee FROM bdnb.rel_batiment_groupe_adresse
     UNION ALL
     SELECT cle_interop_adr_principale_ban, batiment_groupe_id, code_departement_insee
       FROM bdnb.batiment_groupe_adresse WHERE cle_interop_adr_principale_ban IS NOT NULL`,
  )) {
    if (due()) await pause();
    const batids = ofGroup.get(`${dept}|${bg}`);
    if (!batids || id === null) continue;
    let set = linked.get(id);
    if (!set) linked.set(id, (set = new Set()));
    for (const b of batids) set.add(b);
  }
  const byId = new Map<string, AddressRecord>();
  // id, numero, rep, street, postcode, insee, commune, x|lon, y|lat, label
  type Row = [string, N, N, string, N, string, string, string, string, string];
  const add = (
    [id, numero, rep, street, postcode, insee, commune, , , label]: Row,
    lon: number,
    lat: number,
  ) =>
    byId.set(id, {
      id,
      numero: num(numero),
      rep,
      street,
      postcode,
      insee,
      commune,
      lon,
      lat,
      label,
      batids: [...(linked.get(id) ?? [])].sort(),
    });
  for (const r of await store.copyOut<Row>(
    `SELECT cle_interop_adr, numero, rep, concat_ws(' ', type_voie, nom_voie), code_postal, code_commune_insee,
            coalesce(libelle_commune, ''), ST_X(geom_adresse), ST_Y(geom_adresse),
            coalesce(libelle_adresse, concat_ws(' ', numero, rep, type_voie, nom_voie, code_postal, libelle_commune))
       FROM bdnb.adresse
      WHERE geom_adresse IS NOT NULL AND code_commune_insee IS NOT NULL AND cle_interop_adr IS NOT NULL`,
  )) {
    if (due()) await pause();
    const [lon, lat] = lambert93ToWgs84(Number(r[7]), Number(r[8]));
    add(r, lon, lat);
  }
  for (const r of await store.copyOut<Row>(
    `SELECT id, CASE WHEN numero IN (0, 99999) THEN NULL ELSE numero END, rep, nom_voie, code_postal, code_insee,
            coalesce(nom_commune, ''), lon, lat,
            concat_ws(' ', nullif(concat_ws(' ', CASE WHEN numero NOT IN (0, 99999) THEN numero END, rep), ''),
                      nom_voie, code_postal, nom_commune)
       FROM ban.adresse`,
  )) {
    if (due()) await pause();
    add(r, Number(r[7]), Number(r[8]));
  }
  return [...byId.values()];
}

/**
 * The address index of a store, built on first use and rebuilt in the background when an import
 * has run since (checked at most every FRESHNESS_MS); searches keep using the previous index
 * while the new one is built.
 */
export class AddressService {
  private index: AddressIndex | null = null;
  private version = '';
  private checkedAt = 0;
  private building: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  private currentVersion(): Promise<string> {
    return registryVersion(this.store);
  }

  private rebuild(): Promise<void> {
    this.building ??= (async () => {
      try {
        const v = await this.currentVersion();
        if (v === this.version && this.index) return;
        this.index = await AddressIndex.build(await loadAddresses(this.store));
        this.version = v;
      } finally {
        this.building = null;
      }
    })();
    return this.building;
  }

  /** The current index (built now if there is none yet). */
  async ready(): Promise<AddressIndex> {
    const now = Date.now();
    if (!this.index) await this.rebuild();
    else if (now - this.checkedAt > FRESHNESS_MS) {
      this.checkedAt = now;
      // a stale index answers while the fresh one is built
      void this.rebuild().catch(() => undefined);
    }
    return this.index!;
  }

  async search(q: string, opts: SearchOptions = {}): Promise<AddressHit[]> {
    return (await this.ready()).search(q, opts);
  }

  /** Forgets the index: the next search rebuilds it (this process imported addresses). */
  invalidate(): void {
    this.index = null;
    this.version = '';
  }
}

const services = new WeakMap<Store, AddressService>();

export function addressServiceOf(store: Store): AddressService {
  let s = services.get(store);
  if (!s) services.set(store, (s = new AddressService(store)));
  return s;
}

export type MatchReason = 'ban_link_valid' | 'main_address' | 'ban_link';

export interface AddressBuilding {
  batid: string;
  match_reason: MatchReason;
  confidence: number;
  batiment_groupe_id: string;
}

/** What each way of linking an address to a building is worth, times the geocoding score. */
const REASON_WEIGHT: Record<MatchReason, number> = { ban_link_valid: 1, main_address: 0.95, ban_link: 0.7 };

/**
 * The buildings at an address: BDNB address links (valid ones first), then the groups whose main
 * address it is; each BatID once, with its best reason. Filtered on the address's département so
 * the query stays on one partition (one shard).
 */
export async function buildingsAtAddress(store: Store, hit: AddressHit): Promise<AddressBuilding[]> {
  const dept = bdnbDeptOfCommune(hit.citycode);
  if (!dept) return [];
  const rows = await store.prepared<{ batid: string; bg: string; reason: MatchReason }>(
    ...inDept(
      'buildings_at_address',
      `WITH links AS (
       SELECT batiment_groupe_id AS bg, CASE WHEN lien_valide THEN 'ban_link_valid' ELSE 'ban_link' END AS reason
         FROM bdnb.rel_batiment_groupe_adresse
        WHERE code_departement_insee = $1 AND cle_interop_adr = $2
       UNION ALL
       SELECT batiment_groupe_id, 'main_address'
         FROM bdnb.batiment_groupe_adresse
        WHERE code_departement_insee = $1 AND cle_interop_adr_principale_ban = $2)
     SELECT l.batid, k.bg, k.reason
       FROM links k
       JOIN batid.id_link l ON l.scheme = 'bdnb_bg' AND l.external_id = k.bg AND l.code_departement_insee = $1 AND l.active
       JOIN batid.building b ON b.batid = l.batid AND b.status = 'constructed'`,
      [dept, hit.cle_interop_adr],
    ),
  );
  const best = new Map<string, AddressBuilding>();
  for (const r of rows) {
    const confidence = Math.round(hit.score * REASON_WEIGHT[r.reason] * 1000) / 1000;
    const cur = best.get(r.batid);
    if (!cur || confidence > cur.confidence)
      best.set(r.batid, { batid: r.batid, match_reason: r.reason, confidence, batiment_groupe_id: r.bg });
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence || a.batid.localeCompare(b.batid));
}
