import { lambert93ToWgs84 } from '../geo/crs.js';
import type { Store } from '../store/store.js';
import { placeLonLat, type DirectoryPlace } from './directory-place.js';
import { DirectoryQueryError } from './directory-query-error.js';
import { SPECIALTY_LABELS, type Specialty } from './specialties.js';

export const PROFESSIONALS_MAX_LIMIT = 200;

export interface ProfessionalQuery {
  place: DirectoryPlace;
  /** Any of these (none: every specialty). */
  specialties: Specialty[];
  /** Only professionals whose RGE qualification is valid today. */
  rge: boolean;
  /** Only professionals whose address is at most this far from the place's point. */
  radiusKm?: number;
  limit: number;
  cursor?: string;
}

export interface ProfessionalView {
  id: string;
  name: string;
  specialties: { code: Specialty; label: string }[];
  rge: { qualified: boolean; valid: boolean; qualifications: string[]; valid_until: string | null };
  siret: string | null;
  address: {
    label: string | null;
    code_postal: string | null;
    commune: string | null;
    code_commune_insee: string | null;
    lon: number | null;
    lat: number | null;
    located_by: 'lonlat' | 'address' | 'none';
  };
  intervention_area: { departements: string[]; communes: string[]; radius_km: number | null };
  contact: { website: string | null; phone: string | null; email: string | null };
  /** From the place's point to the professional's address (m); null when either is unknown. */
  distance_m: number | null;
  source: string;
  imported_at: string;
}

export interface ProfessionalPage {
  place: {
    communes: string[];
    departements: string[];
    lon: number | null;
    lat: number | null;
    resolved_by: DirectoryPlace['resolvedBy'];
  };
  results: ProfessionalView[];
  next_cursor: string | null;
}

interface Row {
  id: string;
  name: string;
  specialties: string[];
  rge: boolean;
  rge_valid: boolean;
  rge_qualifications: string[];
  rge_valid_until: string | null;
  siret: string | null;
  address: string | null;
  code_postal: string | null;
  commune: string | null;
  code_commune_insee: string | null;
  x: number | null;
  y: number | null;
  geocoding: 'lonlat' | 'address' | 'none';
  area_departements: string[];
  area_communes: string[];
  area_radius_km: number | null;
  website: string | null;
  phone: string | null;
  email: string | null;
  d: number | null;
  source: string;
  imported_at: string;
}

/** The keyset of the last row of a page: its distance (null: unknown), name and id. */
type Cursor = [number | null, string, string];

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      (v[0] === null || typeof v[0] === 'number') &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string'
    )
      return v as Cursor;
  } catch {
    // reported below
  }
  throw new DirectoryQueryError('invalid_cursor', 'cursor: expected the next_cursor of a previous page');
}

/**
 * The matching rule, in SQL: a professional works at the place when one of its intervention
 * communes is the place's commune, one of its départements the place's, or its address is within
 * its radius of the place's point. Each branch of `cand` can use an index (GIN on the lists, GiST
 * on the point, bounded by the largest radius). `d` is the distance from the place's point to the
 * professional's address.
 */
const SEARCH_SQL = `
  WITH place AS (
    SELECT CASE WHEN $3::float8 IS NULL THEN NULL
                ELSE ST_SetSRID(ST_MakePoint($3::float8, $4::float8), 2154) END AS pt),
  cand AS (
    SELECT id FROM directory.professional WHERE area_communes && $1::text[]
    UNION
    SELECT id FROM directory.professional WHERE area_departements && $2::text[]
    UNION
    SELECT p.id FROM directory.professional p, place
     WHERE place.pt IS NOT NULL AND p.area_radius_km IS NOT NULL
       AND ST_DWithin(p.geom, place.pt,
             (SELECT coalesce(max(area_radius_km), 0) * 1000 FROM directory.professional))
       AND ST_DWithin(p.geom, place.pt, p.area_radius_km * 1000)),
  p AS (
    SELECT p.*, CASE WHEN p.geom IS NULL THEN NULL ELSE ST_Distance(p.geom, place.pt) END AS d
      FROM directory.professional p JOIN cand USING (id), place)
  SELECT p.id, p.name, p.specialties, p.rge,
         p.rge AND (p.rge_valid_until IS NULL OR p.rge_valid_until >= current_date) AS rge_valid,
         p.rge_qualifications, p.rge_valid_until::text AS rge_valid_until, p.siret, p.address, p.code_postal,
         p.commune, p.code_commune_insee, ST_X(p.geom) AS x, ST_Y(p.geom) AS y, p.geocoding,
         p.area_departements, p.area_communes, p.area_radius_km, p.website, p.phone, p.email, p.d,
         p.source, to_char(p.imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at
    FROM p
   WHERE (cardinality($5::text[]) = 0 OR p.specialties && $5::text[])
     AND (NOT $6::boolean OR (p.rge AND (p.rge_valid_until IS NULL OR p.rge_valid_until >= current_date)))
     AND ($7::float8 IS NULL OR p.d <= $7::float8 * 1000)
     AND ($9::text IS NULL
          OR (coalesce(p.d, 'Infinity'::float8), p.name, p.id)
             > (coalesce($8::float8, 'Infinity'::float8), $9::text, $10::text))
   ORDER BY coalesce(p.d, 'Infinity'::float8), p.name, p.id
   LIMIT $11`;

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

function view(r: Row): ProfessionalView {
  const ll = r.x !== null && r.y !== null ? lambert93ToWgs84(r.x, r.y) : null;
  return {
    id: r.id,
    name: r.name,
    specialties: (r.specialties as Specialty[]).map((code) => ({ code, label: SPECIALTY_LABELS[code] })),
    rge: {
      qualified: r.rge,
      valid: r.rge_valid,
      qualifications: r.rge_qualifications,
      valid_until: r.rge_valid_until,
    },
    siret: r.siret,
    address: {
      label: r.address,
      code_postal: r.code_postal,
      commune: r.commune,
      code_commune_insee: r.code_commune_insee,
      lon: ll ? round7(ll[0]) : null,
      lat: ll ? round7(ll[1]) : null,
      located_by: r.geocoding,
    },
    intervention_area: {
      departements: r.area_departements,
      communes: r.area_communes,
      radius_km: r.area_radius_km,
    },
    contact: { website: r.website, phone: r.phone, email: r.email },
    distance_m: r.d === null ? null : Math.round(r.d),
    source: r.source,
    imported_at: r.imported_at,
  };
}

/**
 * The professionals who work at a place, nearest first when the place has a point (then by name);
 * keyset-paginated.
 */
export async function searchProfessionals(store: Store, q: ProfessionalQuery): Promise<ProfessionalPage> {
  const { place } = q;
  if (q.radiusKm !== undefined && (place.x === null || place.y === null))
    throw new DirectoryQueryError(
      'no_point',
      'radius_km needs a point: give lon/lat, or a commune or postcode with loaded addresses',
    );
  const limit = Math.min(Math.max(1, q.limit), PROFESSIONALS_MAX_LIMIT);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await store.query<Row>(SEARCH_SQL, [
    place.communes,
    place.departements,
    place.x,
    place.y,
    q.specialties,
    q.rge,
    q.radiusKm ?? null,
    after?.[0] ?? null,
    after?.[1] ?? null,
    after?.[2] ?? null,
    limit + 1,
  ]);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const ll = placeLonLat(place);
  return {
    place: {
      communes: place.communes,
      departements: place.departements,
      lon: ll?.lon ?? null,
      lat: ll?.lat ?? null,
      resolved_by: place.resolvedBy,
    },
    results: page.map(view),
    next_cursor: rows.length > limit && last ? encodeCursor([last.d, last.name, last.id]) : null,
  };
}
