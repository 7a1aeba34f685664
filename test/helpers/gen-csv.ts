import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * A plain BDNB-layout département (batiment_groupe + batiment_construction) of `n` groups with
 * two footprints each, on a grid: enough rows for imports that take a few seconds.
 */
export async function writeGridExport(dir: string, n: number): Promise<void> {
  const bg = createWriteStream(join(dir, 'batiment_groupe.csv'));
  const bc = createWriteStream(join(dir, 'batiment_construction.csv'));
  bg.write(
    'WKT,batiment_groupe_id,code_departement_insee,code_commune_insee,s_geom_groupe,contient_fictive_geom_groupe\n',
  );
  bc.write(
    'WKT,batiment_construction_id,batiment_groupe_id,code_departement_insee,code_commune_insee,s_geom_cstr,hauteur,fictive_geom_cstr\n',
  );
  const sq = (x: number, y: number, s: number) =>
    `((${x} ${y},${x + s} ${y},${x + s} ${y + s},${x} ${y + s},${x} ${y}))`;
  for (let i = 0; i < n; i++) {
    const x = 700000 + (i % 500) * 40;
    const y = 6600000 + Math.floor(i / 500) * 40;
    const id = String(i).padStart(8, '0');
    const a = bg.write(
      `"MULTIPOLYGON (${sq(x, y, 10)},${sq(x + 15, y, 8)})",bdnb-bg-${id},"03","03185",164,"0"\n`,
    );
    const b = bc.write(
      `"MULTIPOLYGON (${sq(x, y, 10)})",bdnb-bc-${id}a,bdnb-bg-${id},"03","03185",100,${(i % 7) + 3}.5,"0"\n` +
        `"MULTIPOLYGON (${sq(x + 15, y, 8)})",bdnb-bc-${id}b,bdnb-bg-${id},"03","03185",64,3,"0"\n`,
    );
    if (!a) await once(bg, 'drain');
    if (!b) await once(bc, 'drain');
  }
  await Promise.all([new Promise((r) => bg.end(r)), new Promise((r) => bc.end(r))]);
}
