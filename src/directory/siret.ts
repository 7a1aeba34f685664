/**
 * SIRET checks: 14 digits whose Luhn sum is a multiple of 10 — except La Poste's establishments
 * (SIREN 356 000 000), numbered in sequence, whose digit sum is a multiple of 5 (INSEE rule).
 */
export type SiretParse = { ok: true; siret: string } | { ok: false; error: string };

const LA_POSTE_SIREN = '356000000';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A SIRET as written by people (`123 456 789 00012`, `12345678900012`) to its 14 digits, checked. */
export function parseSiret(raw: string): SiretParse {
  const s = raw.replace(/[\s.\u00a0-]/g, '');
  if (!/^\d{14}$/.test(s)) return { ok: false, error: `SIRET: expected 14 digits, got "${raw.trim()}"` };
  const valid = s.startsWith(LA_POSTE_SIREN)
    ? [...s].reduce((a, c) => a + Number(c), 0) % 5 === 0
    : luhnValid(s);
  if (!valid) return { ok: false, error: `SIRET ${s} fails its check digit (Luhn key)` };
  return { ok: true, siret: s };
}
