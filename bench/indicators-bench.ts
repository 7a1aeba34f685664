/**
 * `npm run bench -- indicators [--scale 1] [--backends embedded,postgres] [--runs 5]`
 *
 * Territory indicators (issue 6) on a synthetic département (seed 1): every indicator of every
 * commune in one call, in process, as `GET /v1/indicators?level=commune` computes them — the
 * median and max of `runs` timed runs after one warm-up run. Then every EPCI, every IRIS, the
 * département, one commune, and the commune level for one year, once each. The databases are
 * the API benchmark's (bench-lib.ts), imported by the first run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicators } from '../src/renovation/indicators.js';
import type { IndicatorQuery } from '../src/renovation/territory-indicators.js';
import { ensureImported, inProcessBench, OUT } from './bench-lib.js';
import { machine } from './machine.js';

export async function run(args: string[]): Promise<void> {
  const { values, data, targets } = await inProcessBench(args, { runs: { type: 'string', default: '5' } });
  const scale = values.scale;
  const runs = Number(values.runs);
  const results: Record<string, unknown> = { machine: machine(), scale, runs };
  console.log(`indicators bench: ${machine()}; scale ${scale}, ${runs} runs`);
  for (const t of targets) {
    await ensureImported(t, data);
    const store = await t.open();
    try {
      const timed = async (q: IndicatorQuery) => {
        const t0 = performance.now();
        const rows = await indicators(store, q);
        return { ms: Math.round(performance.now() - t0), rows: rows.length, first: rows[0] };
      };
      const warm = await timed({ level: 'commune' });
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await timed({ level: 'commune' })).ms);
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      const out: Record<string, unknown> = {
        communes: warm.rows,
        all_communes_ms: { median, max: times[times.length - 1], runs: times, warm_up: warm.ms },
      };
      console.log(
        `${t.backend.padEnd(8)} all ${warm.rows} communes, all indicators: median ${median} ms, max ${times[times.length - 1]} ms (warm-up ${warm.ms} ms)`,
      );
      const commune = warm.first!.code;
      for (const [name, q] of [
        ['every EPCI', { level: 'epci' }],
        ['every IRIS', { level: 'iris' }],
        ['the département', { level: 'departement', code: '03' }],
        [`commune ${commune}`, { level: 'commune', code: commune }],
        ['every commune, 2024', { level: 'commune', year: 2024 }],
      ] as [string, IndicatorQuery][]) {
        const r = await timed(q);
        out[name] = { ms: r.ms, rows: r.rows };
        console.log(
          `${t.backend.padEnd(8)} ${name.padEnd(22)} ${String(r.ms).padStart(6)} ms (${r.rows} rows)`,
        );
      }
      const [counts] = await store.query<{ dpe: number; renovations: number }>(
        `SELECT (SELECT count(*)::int FROM renovation.dpe) AS dpe, (SELECT count(*)::int FROM renovation.renovation) AS renovations`,
      );
      out.derived = counts;
      results[t.backend] = out;
    } finally {
      await store.close();
    }
  }
  const file = join(OUT, `indicators-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written ${file}`);
}
