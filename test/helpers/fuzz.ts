import fc from 'fast-check';

/**
 * Settings of every property test: a fixed seed so `npm test` is reproducible, and a bounded
 * number of runs so the fuzz suite stays within seconds. `BATID_FUZZ_SEED` / `BATID_FUZZ_RUNS`
 * widen a local search (a failure prints the seed and path that replay it).
 */
export const FUZZ_SEED = Number(process.env.BATID_FUZZ_SEED) || 0x0ba71d;
const RUNS_FACTOR = Number(process.env.BATID_FUZZ_RUNS) || 1;

export function fuzz(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)) };
}

/** Text drawn from a weighted set of tokens (the characters a parser cares about, and noise). */
export function textOf(tokens: readonly string[], maxLength = 40): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...tokens), { maxLength }).map((t) => t.join(''));
}

/** Runs `fn` and fails when one call takes longer than `maxMs` (a super-linear path or a hang). */
export function timed<T>(what: string, fn: () => T, maxMs = 1000): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  if (ms > maxMs) throw new Error(`${what} took ${ms.toFixed(0)} ms (over ${maxMs} ms)`);
  return out;
}
