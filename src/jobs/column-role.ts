/** What a column of an uploaded address file holds, guessed from its header name. */
export type ColumnRole = 'address' | 'street' | 'number' | 'repetition' | 'postcode' | 'city' | 'lon' | 'lat';

/** Header name → comparable key: accents, case and punctuation folded ("Code Postal" → "code_postal"). */
export function normaliseColumnName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Whole names, after `normaliseColumnName` (a trailing number is ignored: "adresse1"). */
const NAMES: Record<ColumnRole, string> = {
  address: 'adresse adresses address addresses addr adr libelle label full_address',
  street: 'voie rue street nom_voie libelle_voie lib_voie nom_rue street_name streetname',
  number: 'numero num no n nr number housenumber house_number numero_voie num_voie numero_rue numero_adresse',
  repetition: 'rep indice_repetition indice_de_repetition ind_rep suffixe btq repetition',
  postcode: 'code_postal codepostal cp postcode postal_code zip zipcode zip_code code_post',
  city: 'commune ville city localite nom_commune libelle_commune lib_commune town municipality nom_ville',
  lon: 'lon lng long longitude x coord_x x_wgs84 lon_wgs84 longitude_wgs84 gps_lon',
  lat: 'lat latitude y coord_y y_wgs84 lat_wgs84 latitude_wgs84 gps_lat',
};

const BY_NAME = new Map<string, ColumnRole>();
for (const [role, names] of Object.entries(NAMES) as [ColumnRole, string][])
  for (const n of names.split(' ')) BY_NAME.set(n, role);

/** Words that make an "adresse…"/"…voie" column something else (an id, an e-mail, a type). */
const NOT_AN_ADDRESS = new Set(
  'id identifiant code cle mail email courriel ip url web complement cplt type nb nombre numero num'.split(
    ' ',
  ),
);

/**
 * The role of a column from its header name, or null. Whole names first ("code_postal",
 * "lon"); then names made of words, where one says address ("adresse_postale") or that start
 * by naming a street ("nom_de_la_voie"), and none says it is something else ("adresse_mail").
 * A street name itself ("rue de la Paix") is no column name.
 */
export function columnRole(header: string): ColumnRole | null {
  const key = normaliseColumnName(header);
  const role = BY_NAME.get(key) ?? BY_NAME.get(key.replace(/_?\d+$/, ''));
  if (role) return role;
  const words = key.split('_');
  if (/\d/.test(key) || words.some((w) => NOT_AN_ADDRESS.has(w))) return null;
  if (words.some((w) => /^(adresses?|address|addr)$/.test(w))) return 'address';
  if (/^(nom|libelle|lib|name)$/.test(words[0]!) && words.some((w) => /^(voie|rue|street)$/.test(w)))
    return 'street';
  return null;
}

/** Whole-name address columns rank above word matches, generic labels below. */
export function addressRank(header: string): number {
  const key = normaliseColumnName(header).replace(/_?\d+$/, '');
  if (key === 'libelle' || key === 'label') return 1;
  return BY_NAME.get(key) === 'address' ? 3 : 2;
}
