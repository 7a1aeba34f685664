import { fold } from '../address/normalise.js';
import { deptOfCommune, normaliseDept } from '../ingest/dept.js';
import { parseBoolean, parseDate, parseNumber, ValueError } from '../ingest/values.js';
import { inFrance } from '../jobs/france-coordinates.js';
import { hash53 } from '../util/hash.js';
import { parseSiret } from './siret.js';
import { parseSpecialties, type Specialty } from './specialties.js';

/**
 * The directory CSV's columns (header names, any case, accents optional), with what each holds.
 * Lists inside a field are separated by `|`. Any other column is ignored: only business fields
 * are kept (no contact person).
 */
export const DIRECTORY_COLUMNS = {
  id: 'identifiant stable chez la source (facultatif ; sinon le SIRET, sinon nom + code postal)',
  nom: 'raison sociale ou nom commercial (obligatoire)',
  specialites: `codes ou libellés séparés par | (obligatoire) : audit_energetique_dtg, maitrise_oeuvre, amo, architecte, chauffage, isolation, ventilation, menuiseries, solaire, offre_globale`,
  rge: 'oui/non (vide : oui si des qualifications sont données)',
  rge_qualifications: 'qualifications RGE séparées par | (organisme, nom, numéro)',
  rge_fin_validite: 'fin de validité de la qualification RGE (AAAA-MM-JJ ou JJ/MM/AAAA)',
  siret: '14 chiffres, clé de Luhn vérifiée (facultatif)',
  adresse: 'adresse de l’entreprise (numéro et voie)',
  code_postal: '5 chiffres',
  commune: 'nom de la commune',
  code_commune_insee: 'code INSEE de la commune (5 caractères, 2A/2B pour la Corse)',
  lon: 'longitude WGS84 (avec lat ; sinon l’adresse est géolocalisée par l’index d’adresses)',
  lat: 'latitude WGS84',
  departements_intervention: 'départements d’intervention séparés par | (03|63)',
  communes_intervention: 'codes INSEE des communes d’intervention séparés par |',
  rayon_km: 'rayon d’intervention autour de l’adresse, en km (0 < rayon ≤ 1000)',
  site_web: 'site de l’entreprise (https://…)',
  telephone: 'téléphone de l’entreprise',
  email: 'adresse électronique de l’entreprise',
} as const;

export type DirectoryColumn = keyof typeof DIRECTORY_COLUMNS;
export const DIRECTORY_HEADER = Object.keys(DIRECTORY_COLUMNS) as DirectoryColumn[];
export const REQUIRED_COLUMNS: readonly DirectoryColumn[] = ['nom', 'specialites'];

/** A header cell to its column name: `Spécialités` → `specialites`, `Code postal` → `code_postal`. */
export function columnName(header: string): string {
  return fold(header).trim().replace(/ /g, '_');
}

/** One checked row, ready to store (coordinates in WGS84; geocoding happens after). */
export interface ProfessionalInput {
  id: string;
  name: string;
  specialties: Specialty[];
  rge: boolean;
  rgeQualifications: string[];
  rgeValidUntil: string | null;
  siret: string | null;
  address: string | null;
  codePostal: string | null;
  commune: string | null;
  codeCommune: string | null;
  lon: number | null;
  lat: number | null;
  areaDepartements: string[];
  areaCommunes: string[];
  areaRadiusKm: number | null;
  website: string | null;
  phone: string | null;
  email: string | null;
}

/** A rejected row: which column (1-based, null for the whole row) and why. */
export interface RowError {
  column: number | null;
  error: string;
}

export type RowParse = { ok: true; value: ProfessionalInput } | ({ ok: false } & RowError);

const POSTCODE = /^(?!00)\d{5}$/;
const INSEE = /^(\d{5}|2[AB]\d{3})$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[a-z]{2,}$/i;
const MAX_TEXT = 300;

class CellError extends Error {
  constructor(
    readonly col: DirectoryColumn,
    message: string,
  ) {
    super(message);
  }
}

const list = (v: string, sep: RegExp) =>
  v
    .split(sep)
    .map((x) => x.trim())
    .filter(Boolean);

function communeCode(col: DirectoryColumn, v: string): string {
  const c = v.toUpperCase();
  const dept = INSEE.test(c) ? deptOfCommune(c) : null;
  if (!dept || !normaliseDept(dept))
    throw new CellError(col, `${col}: expected an INSEE commune code (03185, 2A004), got "${v}"`);
  return c;
}

function phoneOf(v: string): string {
  const s = v.replace(/[\s.\-()\u00a0]/g, '');
  if (!/^(\+\d{8,15}|00\d{8,15}|0[1-9]\d{8})$/.test(s))
    throw new CellError(
      'telephone',
      `telephone: expected a phone number (04 70 12 34 56, +33 4…), got "${v}"`,
    );
  return s;
}

function websiteOf(v: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(v) ? v : `https://${v}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new CellError('site_web', `site_web: expected a web address, got "${v}"`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname.includes('.'))
    throw new CellError('site_web', `site_web: expected an http(s) web address, got "${v}"`);
  return u.href;
}

/** The stable id of a row: the source's, else the SIRET, else a hash of the folded name and postcode. */
export function professionalId(
  sourceId: string,
  siret: string | null,
  name: string,
  postcode: string | null,
) {
  if (sourceId) return sourceId;
  if (siret) return `siret-${siret}`;
  return `nom-${hash53(`${fold(name)}|${postcode ?? ''}`).toString(36)}`;
}

/**
 * Checks one CSV record of the directory (pure: no database). `at` maps each known column to its
 * index in the record. The first problem found rejects the row, with its column.
 */
export function parseProfessionalRow(fields: readonly string[], at: ReadonlyMap<string, number>): RowParse {
  const get = (c: DirectoryColumn) => {
    const i = at.get(c);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const opt = (c: DirectoryColumn) => {
    const v = get(c);
    if (v.length > MAX_TEXT) throw new CellError(c, `${c}: longer than ${MAX_TEXT} characters`);
    return v || null;
  };
  const column = (c: DirectoryColumn) => {
    const i = at.get(c);
    return i === undefined ? null : i + 1;
  };
  try {
    const name = opt('nom');
    if (!name) throw new CellError('nom', 'nom is empty (the business name is required)');
    const sp = parseSpecialties(get('specialites'));
    if (!sp.ok) throw new CellError('specialites', `specialites: ${sp.error}`);

    const rgeQualifications = list(get('rge_qualifications'), /\|/);
    const rgeRaw = get('rge');
    let rge = rgeQualifications.length > 0;
    if (rgeRaw) {
      try {
        rge = parseBoolean(rgeRaw);
      } catch (e) {
        if (e instanceof ValueError) throw new CellError('rge', `rge: ${e.message}`);
        throw e;
      }
    }
    const until = get('rge_fin_validite');
    let rgeValidUntil: string | null = null;
    if (until) {
      try {
        rgeValidUntil = parseDate(until);
      } catch (e) {
        if (e instanceof ValueError)
          throw new CellError('rge_fin_validite', `rge_fin_validite: ${e.message}`);
        throw e;
      }
    }

    const siretRaw = get('siret');
    let siret: string | null = null;
    if (siretRaw) {
      const s = parseSiret(siretRaw);
      if (!s.ok) throw new CellError('siret', s.error);
      siret = s.siret;
    }

    const codePostal = opt('code_postal');
    if (codePostal && !POSTCODE.test(codePostal))
      throw new CellError('code_postal', `code_postal: expected 5 digits (03100), got "${codePostal}"`);
    const inseeRaw = get('code_commune_insee');
    const codeCommune = inseeRaw ? communeCode('code_commune_insee', inseeRaw) : null;

    const lonRaw = get('lon');
    const latRaw = get('lat');
    let lon: number | null = null;
    let lat: number | null = null;
    if (lonRaw || latRaw) {
      if (!lonRaw) throw new CellError('lon', 'lon is empty while lat is given (give both or neither)');
      if (!latRaw) throw new CellError('lat', 'lat is empty while lon is given (give both or neither)');
      for (const [c, raw] of [
        ['lon', lonRaw],
        ['lat', latRaw],
      ] as const) {
        try {
          if (c === 'lon') lon = parseNumber(raw);
          else lat = parseNumber(raw);
        } catch (e) {
          if (e instanceof ValueError) throw new CellError(c, `${c}: ${e.message}`);
          throw e;
        }
      }
      if (!inFrance(lon!, lat!))
        throw new CellError('lon', `lon/lat ${lonRaw}, ${latRaw} is not a WGS84 point in France`);
    }

    const areaDepartements = list(get('departements_intervention'), /[|;,\s]+/).map((d) => {
      const n = normaliseDept(d);
      if (!n)
        throw new CellError(
          'departements_intervention',
          `departements_intervention: "${d}" is not a département code (03, 2A, 974)`,
        );
      return n;
    });
    const areaCommunes = list(get('communes_intervention'), /[|;,\s]+/).map((c) =>
      communeCode('communes_intervention', c),
    );
    const radiusRaw = get('rayon_km');
    let areaRadiusKm: number | null = null;
    if (radiusRaw) {
      let r: number;
      try {
        r = parseNumber(radiusRaw);
      } catch (e) {
        if (e instanceof ValueError) throw new CellError('rayon_km', `rayon_km: ${e.message}`);
        throw e;
      }
      if (!(r > 0 && r <= 1000))
        throw new CellError(
          'rayon_km',
          `rayon_km: expected a distance in km, 0 < r ≤ 1000, got ${radiusRaw}`,
        );
      areaRadiusKm = r;
    }
    if (!areaDepartements.length && !areaCommunes.length && areaRadiusKm === null)
      throw new CellError(
        'departements_intervention',
        'no intervention area: fill departements_intervention, communes_intervention or rayon_km',
      );

    const websiteRaw = opt('site_web');
    const phoneRaw = opt('telephone');
    const emailRaw = opt('email');
    if (emailRaw && !EMAIL.test(emailRaw))
      throw new CellError('email', `email: expected an e-mail address, got "${emailRaw}"`);
    const sourceId = get('id');
    if (sourceId.length > 100) throw new CellError('id', 'id: longer than 100 characters');
    return {
      ok: true,
      value: {
        id: professionalId(sourceId, siret, name, codePostal),
        name,
        specialties: sp.specialties,
        rge,
        rgeQualifications,
        rgeValidUntil,
        siret,
        address: opt('adresse'),
        codePostal,
        commune: opt('commune'),
        codeCommune,
        lon,
        lat,
        areaDepartements: [...new Set(areaDepartements)],
        areaCommunes: [...new Set(areaCommunes)],
        areaRadiusKm,
        website: websiteRaw && websiteOf(websiteRaw),
        phone: phoneRaw && phoneOf(phoneRaw),
        email: emailRaw && emailRaw.toLowerCase(),
      },
    };
  } catch (e) {
    if (e instanceof CellError) return { ok: false, column: column(e.col), error: e.message };
    throw e;
  }
}
