/**
 * The département of a row: its own code, else the one its commune, IRIS, parcel or BAN key
 * starts with. Corsica is 2A/2B, overseas départements have three digits (971…976).
 */
export function deptOfCommune(code: string): string | null {
  const c = code.trim().toUpperCase();
  if (!/^(\d{5}|2[AB]\d{3})/.test(c)) return null;
  return c.startsWith('97') ? c.slice(0, 3) : c.slice(0, 2);
}

/**
 * The département whose partitions may hold a commune's rows, or null: deptOfCommune, less the
 * overseas collectivities (977, 978, 98x) that BAN addresses carry and the BDNB does not cover
 * (a statement bound to a département takes only a département code: dept-statement.ts).
 */
export function bdnbDeptOfCommune(code: string): string | null {
  const d = deptOfCommune(code);
  return d !== null && isDeptCode(d) ? d : null;
}

/** True for a département code exactly as the database stores it ('03', '2A', '974'). */
export function isDeptCode(code: string): boolean {
  return normaliseDept(code) === code;
}

export function normaliseDept(code: string): string | null {
  const c = code.trim().toUpperCase();
  if (/^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$/.test(c)) return c;
  if (/^[1-9]$/.test(c)) return `0${c}`;
  return null;
}

/** Columns from which a département can be read, in order of trust. */
export const DEPT_SOURCES = ['code_commune_insee', 'code_iris', 'parcelle_id', 'cle_interop_adr'] as const;
