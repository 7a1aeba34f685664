/** ISO dates (yyyy-mm-dd) as day numbers since 1970-01-01, for date arithmetic on certificates. */

const DAY_MS = 86_400_000;

export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

const iso = new Map<number, string>();

export function isoOf(day: number): string {
  let s = iso.get(day);
  if (s === undefined) iso.set(day, (s = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return s;
}
