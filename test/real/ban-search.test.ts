import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { importBan } from '../../src/ingest/ban/import-ban.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { sharedData, skipReason } from '../helpers/shared-data.js';

const RNB = sharedData('rnb');

interface BanRow {
  id: string;
  label: string;
}

/** The label the BAN itself would show: number, repetition, street, postcode, commune. */
async function banRows(path: string): Promise<BanRow[]> {
  const [head, ...lines] = (await readFile(path, 'utf8')).trim().split('\n');
  const h = head!.split(';');
  const col = (f: string[], n: string) => f[h.indexOf(n)] ?? '';
  return lines.map((l) => {
    const f = l.split(';');
    const label = [
      col(f, 'numero'),
      col(f, 'rep'),
      col(f, 'nom_voie'),
      col(f, 'code_postal'),
      col(f, 'nom_commune'),
    ]
      .filter(Boolean)
      .join(' ');
    return { id: col(f, 'id'), label };
  });
}

/** Accents stripped and one letter of the street name dropped (a different letter for each row). */
function degrade(label: string, k: number): string {
  const plain = label.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  const letters = [...plain.matchAll(/[a-zA-Z]/g)].map((m) => m.index);
  // a letter of the street name: skip the number and repetition at the start
  const start = plain.search(/[A-Z]/);
  const inStreet = letters.filter((i) => i >= start);
  const at = inStreet[(k * 7) % Math.min(inStreet.length, 12)]!;
  return plain.slice(0, at) + plain.slice(at + 1);
}

for (const make of backends()) {
  describe(
    `BAN rows imported with import-ban are found by their label [${make().name}]`,
    { skip: RNB ? false : skipReason('rnb') },
    () => {
      let backend: Backend;
      let store: Store;
      let app: FastifyInstance;
      let tmp: string;
      let rows: BanRow[];

      before(async () => {
        backend = make();
        store = await backend.open();
        tmp = await mkdtemp(join(tmpdir(), 'batid-ban-'));
        const path = join(RNB!, 'ban_import_test_data.csv');
        rows = await banRows(path);
        const r = await importBan(store, [path], { rejectsPath: join(tmp, 'rejects.csv') });
        assert.equal(r.imported, 50);
        assert.equal(r.rejected, 0);
        assert.deepEqual(r.depts, ['04']);
        app = await buildApp(store);
      });
      after(async () => {
        await app?.close();
        await backend?.dispose();
        if (tmp) await rm(tmp, { recursive: true, force: true });
      });

      const search = async (q: string) => {
        const res = await app.inject({
          method: 'GET',
          url: `/v1/addresses/search?q=${encodeURIComponent(q)}`,
        });
        assert.equal(res.statusCode, 200, res.body);
        return (res.json() as { results: { cle_interop_adr: string; score: number }[] }).results;
      };

      test('each of the 50 rows is found first by its own label, with score 1', async () => {
        assert.equal(rows.length, 50);
        for (const r of rows) {
          const hits = await search(r.label);
          assert.equal(hits[0]?.cle_interop_adr, r.id, `"${r.label}" → ${JSON.stringify(hits.slice(0, 2))}`);
          assert.equal(hits[0]!.score, 1, r.label);
        }
      });

      test('each row is found first by its label without accents and with one letter dropped', async () => {
        for (const [k, r] of rows.entries()) {
          const q = degrade(r.label, k);
          assert.notEqual(q, r.label);
          const hits = await search(q);
          assert.equal(
            hits[0]?.cle_interop_adr,
            r.id,
            `"${q}" (from "${r.label}") → ${JSON.stringify(hits.slice(0, 2))}`,
          );
          assert.ok(hits[0]!.score < 1, `a degraded query scores below 1: ${q}`);
        }
      });

      test('a re-import replaces the département atomically (same count, no duplicates)', async () => {
        const r = await importBan(store, [join(RNB!, 'ban_import_test_data.csv')], {
          rejectsPath: join(tmp, 'r2.csv'),
        });
        assert.equal(r.imported, 50);
        const n = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ban.adresse`);
        assert.equal(n[0]!.n, 50);
      });
    },
  );
}
