import { BulkInputError } from './bulk-input-error.js';
import { addressRank, columnRole, normaliseColumnName, type ColumnRole } from './column-role.js';
import { inFrance, parseDecimal } from './france-coordinates.js';

/** Columns chosen by the caller: a name (accent/case-insensitive) or a 0-based index. */
export interface ColumnOptions {
  addressColumn?: string | number;
  lonColumn?: string | number;
  latColumn?: string | number;
}

/**
 * Where a row's address comes from: the `main` fields (joined with ", "), with the house number,
 * its repetition suffix, the postcode and the commune of their own columns when there are.
 */
export interface AddressParts {
  main: number[];
  number?: number;
  repetition?: number;
  postcode?: number;
  city?: number;
}

/** The columns a bulk file is read from. */
export type ColumnChoice =
  { mode: 'address'; parts: AddressParts } | { mode: 'lonlat'; lon: number; lat: number };

/** Column indexes a choice reads, in the order they are used. */
export function usedColumns(c: ColumnChoice): number[] {
  if (c.mode === 'lonlat') return [c.lon, c.lat];
  const p = c.parts;
  return [p.number, p.repetition, ...p.main, p.postcode, p.city].filter((i): i is number => i !== undefined);
}

/** Lists a header for a message: `"a", "b", "c"` (the first 30). */
export function quoteList(values: string[]): string {
  const shown = values.slice(0, 30).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > 30 ? `, … (${values.length} colonnes)` : '');
}

/**
 * Picks the columns to read: the caller's if given, else from the header names (lon/lat when
 * both exist and the sample holds coordinates in France, else the address, joined with its
 * number/postcode/commune columns), else, without a header, from the content (a lon/lat pair,
 * or every column joined as the address). Throws `BulkInputError` when nothing fits.
 */
export function chooseColumns(
  header: string[] | null,
  sample: string[][],
  width: number,
  options: ColumnOptions,
): ColumnChoice {
  const explicit = explicitColumns(header, width, options);
  if (explicit) return explicit;
  return header ? fromHeader(header, sample) : fromContent(sample, width);
}

function explicitColumns(header: string[] | null, width: number, o: ColumnOptions): ColumnChoice | null {
  const hasLon = o.lonColumn !== undefined;
  const hasLat = o.latColumn !== undefined;
  if (o.addressColumn !== undefined && (hasLon || hasLat))
    throw new BulkInputError(
      'invalid_options',
      'choisir soit une colonne d’adresse, soit les colonnes longitude et latitude, pas les deux',
    );
  if (hasLon !== hasLat)
    throw new BulkInputError(
      'invalid_options',
      `colonnes longitude et latitude attendues ensemble, seule la ${hasLon ? 'longitude' : 'latitude'} est donnée`,
    );
  if (o.addressColumn !== undefined)
    return { mode: 'address', parts: { main: [resolveColumn(o.addressColumn, header, width)] } };
  if (o.lonColumn !== undefined && o.latColumn !== undefined)
    return {
      mode: 'lonlat',
      lon: resolveColumn(o.lonColumn, header, width),
      lat: resolveColumn(o.latColumn, header, width),
    };
  return null;
}

/** A column given by name (exact, else accent/case-insensitive) or by 0-based index. */
export function findColumn(spec: string | number, header: string[] | null, width: number): number {
  if (typeof spec === 'number') return Number.isInteger(spec) && spec >= 0 && spec < width ? spec : -1;
  if (!header) return -1;
  const exact = header.indexOf(spec);
  if (exact >= 0) return exact;
  const key = normaliseColumnName(spec);
  return header.findIndex((h) => normaliseColumnName(h) === key);
}

function resolveColumn(spec: string | number, header: string[] | null, width: number): number {
  const i = findColumn(spec, header, width);
  if (i >= 0) return i;
  const found = header
    ? `en-tête : ${quoteList(header)}`
    : `le fichier n’a pas d’en-tête et ${width} colonne${width > 1 ? 's' : ''}`;
  const expected =
    typeof spec === 'number' ? `la colonne d’indice ${spec} (à partir de 0)` : `la colonne "${spec}"`;
  throw new BulkInputError('unknown_column', `${expected} est introuvable ; ${found}`);
}

function fromHeader(header: string[], sample: string[][]): ColumnChoice {
  const roles = header.map(columnRole);
  const first = (role: ColumnRole) => {
    const i = roles.indexOf(role);
    return i < 0 ? undefined : i;
  };
  const lon = first('lon');
  const lat = first('lat');
  let badCoordinates = '';
  if (lon !== undefined && lat !== undefined) {
    const { inside } = coordinatesInFrance(sample, lon, lat);
    if (inside > 0) return { mode: 'lonlat', lon, lat };
    const example = sample.find((r) => (r[lon] ?? '').trim() || (r[lat] ?? '').trim());
    badCoordinates =
      ` ; les colonnes "${header[lon]}" et "${header[lat]}" ne contiennent pas des longitudes/latitudes` +
      ` WGS84 en France${example ? ` (ex. "${example[lon] ?? ''}", "${example[lat] ?? ''}")` : ''}`;
  }
  let main: number | undefined;
  roles.forEach((role, i) => {
    if (role === 'address' && (main === undefined || addressRank(header[i]!) > addressRank(header[main]!)))
      main = i;
  });
  main ??= first('street');
  if (main === undefined)
    throw new BulkInputError(
      'no_address_column',
      'aucune colonne d’adresse ni de coordonnées : attendu une colonne nommée adresse, address, rue, voie, ' +
        `libelle… (ou numero, voie, code_postal, commune) ou deux colonnes lon et lat ; en-tête trouvé : ${quoteList(
          header,
        )}${badCoordinates}`,
    );
  return {
    mode: 'address',
    parts: {
      main: [main],
      number: first('number'),
      repetition: first('repetition'),
      postcode: first('postcode'),
      city: first('city'),
    },
  };
}

function fromContent(sample: string[][], width: number): ColumnChoice {
  if (width > 1) {
    for (let lon = 0; lon < width; lon++)
      for (let lat = 0; lat < width; lat++) {
        if (lon === lat) continue;
        const { inside, filled } = coordinatesInFrance(sample, lon, lat);
        if (filled * 2 >= sample.length && inside >= filled * 0.8 && inside > 0)
          return { mode: 'lonlat', lon, lat };
      }
  }
  if (!sample.some((r) => r.some((f) => /\p{L}/u.test(f))))
    throw new BulkInputError(
      'no_address_column',
      'pas d’en-tête, ni adresses (aucune lettre) ni longitudes/latitudes en France : attendu une adresse par ' +
        `ligne, ou des colonnes lon et lat ; première ligne : ${quoteList(sample[0] ?? [])}`,
    );
  return { mode: 'address', parts: { main: Array.from({ length: width }, (_v, i) => i) } };
}

/**
 * Sample rows with both coordinates filled, and those of them that are numbers in France. Named
 * columns need one point in France (Lambert-93 metres never are); unnamed ones, 80% of them.
 */
function coordinatesInFrance(
  sample: string[][],
  lon: number,
  lat: number,
): { inside: number; filled: number } {
  let inside = 0;
  let filled = 0;
  for (const r of sample) {
    const x = (r[lon] ?? '').trim();
    const y = (r[lat] ?? '').trim();
    if (!x || !y) continue;
    filled++;
    const lonValue = parseDecimal(x);
    const latValue = parseDecimal(y);
    if (lonValue !== null && latValue !== null && inFrance(lonValue, latValue)) inside++;
  }
  return { inside, filled };
}
