import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { evolve } from '../../src/synth/evolve.js';
import { linkedIds } from '../../src/ids/linked-ids.js';
import { resolve } from '../../src/ids/resolve.js';
import { synthesize } from '../../src/synth/synthesize.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';

interface Truth {
  kind: string;
  old: string[];
  new: string[];
}

for (const make of backends()) {
  describe(`BatID lifecycle scored on a synthetic pair, scale 0.05 [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    let truth: Truth[];
    const oldBatid = new Map<string, string>();
    const newBatid = new Map<string, string>();
    const status = new Map<string, string>();

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-pair-'));
      await synthesize({ dept: '03', scale: 0.05, seed: 1, out: join(dir, 'm1') });
      await evolve({ from: join(dir, 'm1'), out: join(dir, 'm2'), seed: 2 });
      truth = (await readFile(join(dir, 'm2', 'ground_truth.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => {
          const [kind, o, n] = l.split(',');
          return { kind: kind!, old: o ? o.split('|') : [], new: n ? n.split('|') : [] };
        });
      backend = make();
      store = await backend.open();
      const links = async (into: Map<string, string>) => {
        for (const r of await store.query<{ external_id: string; batid: string }>(
          `SELECT external_id, batid FROM batid.id_link WHERE scheme = 'bdnb_bc'`,
        ))
          into.set(r.external_id, r.batid);
      };
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 'm1')],
        millesime: '2023-11',
        rejectsPath: join(dir, 'r1.csv'),
      });
      await links(oldBatid);
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 'm2')],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r2.csv'),
      });
      await links(newBatid);
      for (const r of await store.query<{ batid: string; status: string }>(
        `SELECT batid, status FROM batid.building`,
      ))
        status.set(r.batid, r.status);
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('≥ 99.9% of surviving buildings keep their BatID', () => {
      const same = truth.filter((t) => t.kind === 'same');
      const kept = same.filter((t) => newBatid.get(t.new[0]!) === oldBatid.get(t.old[0]!)).length;
      const rate = kept / same.length;
      process.stdout.write(
        `  survivors keeping their BatID: ${kept}/${same.length} = ${(rate * 100).toFixed(3)}%\n`,
      );
      assert.ok(same.length > 15_000);
      assert.ok(rate >= 0.999, `${(rate * 100).toFixed(3)}%`);
    });

    test('every merge, split, demolition and creation is recorded as the ground truth says', async () => {
      const events = await store.query<{
        kind: string;
        batid: string;
        parents: string[];
        children: string[];
      }>(`SELECT kind, batid, parents, children FROM batid.event WHERE millesime = '2024-10'`);
      const ev = (kind: string, batid: string) => events.find((e) => e.kind === kind && e.batid === batid);
      const counts: Record<string, [number, number]> = {};
      for (const t of truth.filter((x) => x.kind !== 'same')) {
        let ok = false;
        if (t.kind === 'demolition')
          ok =
            status.get(oldBatid.get(t.old[0]!)!) === 'demolished' &&
            !!ev('demolition', oldBatid.get(t.old[0]!)!);
        if (t.kind === 'creation') {
          const b = newBatid.get(t.new[0]!);
          ok = !!b && !!ev('creation', b) && ![...oldBatid.values()].includes(b);
        }
        if (t.kind === 'merge') {
          const child = newBatid.get(t.new[0]!);
          const parents = t.old.map((o) => oldBatid.get(o)!).sort();
          const e = child ? ev('merge', child) : undefined;
          ok =
            !!e &&
            JSON.stringify([...e.parents].sort()) === JSON.stringify(parents) &&
            parents.every((p) => status.get(p) === 'retired');
        }
        if (t.kind === 'split') {
          const parent = oldBatid.get(t.old[0]!)!;
          const children = t.new.map((n) => newBatid.get(n)).sort();
          const e = ev('split', parent);
          ok =
            !!e &&
            JSON.stringify([...e.children].sort()) === JSON.stringify(children) &&
            status.get(parent) === 'retired';
        }
        const c = (counts[t.kind] ??= [0, 0]);
        c[1]++;
        if (ok) c[0]++;
      }
      process.stdout.write(`  recorded as the ground truth says: ${JSON.stringify(counts)}\n`);
      for (const [kind, [ok, all]] of Object.entries(counts)) assert.equal(ok, all, `${kind}: ${ok}/${all}`);
      for (const k of ['merge', 'split', 'demolition', 'creation'])
        assert.ok(counts[k] && counts[k][1] > 0, `the pair has ${k}s`);
    });

    test('every scheme resolves: each linked id of a building leads back to it', async () => {
      // a collective building: it has a DPE, and usually a copro, an owner, a sale
      const rows = await store.query<{ batid: string }>(
        `SELECT b.batid FROM batid.building b JOIN bdnb.batiment_groupe_rnc r ON r.batiment_groupe_id = b.batiment_groupe_id
          WHERE b.status = 'constructed' ORDER BY b.batid`,
      );
      const seen = new Set<string>();
      for (const { batid } of rows.slice(0, 40)) {
        const linked = await linkedIds(store, batid);
        for (const [scheme, ids] of Object.entries(linked!.ids)) {
          for (const { id, active } of ids!) {
            if (active === false) continue;
            const matches = await resolve(store, scheme, id);
            assert.ok(
              matches.some((m) => m.batid === batid),
              `${scheme} ${id} does not lead back to ${batid}`,
            );
            seen.add(scheme);
          }
        }
      }
      for (const s of ['batid', 'bdnb_bg', 'bdnb_bc', 'rnb', 'parcelle', 'ban', 'dpe', 'rnc', 'siren', 'dvf'])
        assert.ok(seen.has(s), `scheme ${s} exercised`);
    });

    test('zero BatIDs lost or reused', async () => {
      for (const b of oldBatid.values()) assert.ok(status.has(b), `${b} lost`);
      const olds = new Set(oldBatid.values());
      const fresh = truth.filter((t) => t.kind !== 'same').flatMap((t) => t.new.map((n) => newBatid.get(n)!));
      for (const b of fresh) assert.ok(b && !olds.has(b), `${b} reused`);
      assert.equal(new Set(fresh).size, fresh.length);
      const conflicts = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM batid.conflict`);
      assert.equal(conflicts[0]!.n, 0, 'the synthetic pair holds no ambiguous match');
    });
  });
}
