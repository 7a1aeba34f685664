import { randomBytes } from 'node:crypto';

/** The RNB alphabet: 31 symbols, no 0/O, I/L/U (domain.md §2). */
export const RNB_ALPHABET = '123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const BATID_LENGTH = 12;
const VALID = new RegExp(`^[${RNB_ALPHABET}]{${BATID_LENGTH}}$`);

let pool = Buffer.alloc(0);
let at = 0;

/** One uniform symbol index in 0..30 from a buffered CSPRNG (bytes ≥ 248 rejected: no modulo bias). */
function randomSymbol(): number {
  for (;;) {
    if (at >= pool.length) {
      pool = randomBytes(1 << 16);
      at = 0;
    }
    const b = pool[at++]!;
    if (b < 248) return b % 31;
  }
}

/** A fresh random BatID (12 symbols, no check character), as stored: `XXXXXXXXXXXX`. */
export function mintBatid(): string {
  let s = '';
  for (let i = 0; i < BATID_LENGTH; i++) s += RNB_ALPHABET[randomSymbol()];
  return s;
}

/** Shown form `XXXX-XXXX-XXXX`. */
export function formatBatid(id: string): string {
  return `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8, 12)}`;
}

export type ParsedBatid = { ok: true; batid: string } | { ok: false; error: string };

/**
 * Cleans user input (case, spaces, `-`, `_`) and checks it is a BatID/RNB id. Only ASCII letters
 * are upper-cased: a non-ASCII character is refused, even one whose upper case lands in the
 * alphabet (`ſ` → `S`, `ﬀ` → `FF`).
 */
export function parseBatid(input: string): ParsedBatid {
  const stripped = input.replace(/[\s_-]/g, '');
  for (const ch of stripped) {
    const code = ch.codePointAt(0)!;
    if (code > 0x7f) {
      const u = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      return {
        ok: false,
        error: `"${ch}" (${u}, not ASCII) is not a BatID symbol (allowed: ${RNB_ALPHABET}; no 0, O, I, L, U)`,
      };
    }
  }
  const cleaned = stripped.toUpperCase();
  if (cleaned.length !== BATID_LENGTH) {
    return {
      ok: false,
      error: `a BatID has ${BATID_LENGTH} symbols (XXXX-XXXX-XXXX), got ${cleaned.length}`,
    };
  }
  if (!VALID.test(cleaned)) {
    const bad = [...cleaned].find((c) => !RNB_ALPHABET.includes(c));
    return {
      ok: false,
      error: `"${bad}" is not a BatID symbol (allowed: ${RNB_ALPHABET}; no 0, O, I, L, U)`,
    };
  }
  return { ok: true, batid: cleaned };
}
