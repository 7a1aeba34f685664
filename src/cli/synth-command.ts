import { evolve } from '../synth/evolve.js';
import { synthesize } from '../synth/synthesize.js';
import { USAGE, parse } from './main.js';

/** `batid synth --dept 03 --scale 0.05 --seed 1 --out DIR` */
export async function runSynth(args: string[]): Promise<number> {
  const { values } = parse(args, {
    dept: { type: 'string' },
    scale: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'evolve-from': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scale = values.scale === undefined ? 0.05 : Number(values.scale);
  if (!(scale > 0 && scale <= 2))
    throw new Error(`--scale must be a number in (0, 2], got "${values.scale}"`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  if (values['evolve-from']) {
    if (!values.out) throw new Error('--evolve-from needs --out DIR for the next millésime');
    const t0 = Date.now();
    const res = await evolve({ from: values['evolve-from'], out: values.out, seed });
    const count = (k: string) => res.truth.filter((t) => t.kind === k).length;
    process.stdout.write(
      `wrote the next millésime of ${values['evolve-from']} to ${values.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
        `${count('same')} kept, ${count('creation')} created, ${count('demolition')} demolished, ${count('merge')} merged, ` +
        `${count('split')} split (ground truth: ${values.out}/ground_truth.csv); DPE: ` +
        `${res.dpeTruth.filter((t) => t.kind === 'renovation').length} renovation pairs in ${values.out}/ground_truth_dpe.csv\n`,
    );
    return 0;
  }
  const dept = (values.dept ?? '03').toUpperCase();
  const out = values.out ?? `synth-${dept}-s${scale}`;
  const t0 = Date.now();
  const res = await synthesize({
    dept,
    scale,
    seed,
    out,
    onProgress: (table, rows) => process.stderr.write(`${table}: ${rows} rows\n`),
  });
  const total = Object.values(res.tables).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `wrote ${Object.keys(res.tables).length} tables (${total} rows) and heat networks to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
      `(département ${dept}, scale ${scale}, seed ${seed}); DPE histories' ground truth in ${out}/ground_truth_dpe.csv\n`,
  );
  return 0;
}
