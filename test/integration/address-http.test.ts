import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/store.js';
import { addressServiceOf, buildingsAtAddress } from '../../src/address/address-service.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

interface Hit {
  cle_interop_adr: string;
  label: string;
  score: number;
  batids: string[];
  citycode: string;
}

for (const make of backends()) {
  describe(`address search and address → building over HTTP [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      db = await syntheticDb(make);
      ({ store, app } = db);
    });
    after(async () => db?.close());

    const get = (url: string) => app.inject({ method: 'GET', url });
    const search = async (q: string, extra = '') => {
      const r = await get(`/v1/addresses/search?q=${encodeURIComponent(q)}${extra}`);
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { results: Hit[] }).results;
    };

    /** Addresses linked to buildings, in a fixed order (the first ones of the département). */
    const linkedAddresses = () =>
      store.query<{ id: string; label: string }>(
        `SELECT a.cle_interop_adr AS id, a.libelle_adresse AS label FROM bdnb.adresse a
          WHERE EXISTS (SELECT 1 FROM bdnb.rel_batiment_groupe_adresse r
                         WHERE r.code_departement_insee = a.code_departement_insee AND r.cle_interop_adr = a.cle_interop_adr)
          ORDER BY a.cle_interop_adr LIMIT 40`,
      );

    test('each label finds its own address first, score 1, with the BatIDs linked to it', async () => {
      for (const a of await linkedAddresses()) {
        const hits = await search(a.label);
        assert.equal(hits[0]?.cle_interop_adr, a.id, `${a.label} → ${JSON.stringify(hits.slice(0, 2))}`);
        assert.equal(hits[0]!.score, 1);
        const want = await store.query<{ batid: string }>(
          `SELECT DISTINCT l.batid FROM bdnb.rel_batiment_groupe_adresse r
             JOIN batid.id_link l ON l.scheme = 'bdnb_bg' AND l.external_id = r.batiment_groupe_id AND l.active
            WHERE r.cle_interop_adr = $1
           UNION
           SELECT DISTINCT l.batid FROM bdnb.batiment_groupe_adresse g
             JOIN batid.id_link l ON l.scheme = 'bdnb_bg' AND l.external_id = g.batiment_groupe_id AND l.active
            WHERE g.cle_interop_adr_principale_ban = $1 ORDER BY 1`,
          [a.id],
        );
        assert.deepEqual(hits[0]!.batids, want.map((w) => w.batid).sort());
      }
    });

    test('lowercase, accents stripped and one typo still find the address', async () => {
      for (const a of (await linkedAddresses()).slice(0, 15)) {
        const plain = a.label
          .normalize('NFD')
          .replace(/[\u0300-\u036f]/g, '')
          .toLowerCase();
        const words = plain.split(' ');
        // a typo in the longest word (the most distinctive one)
        const k = words.reduce((b, w, i) => (w.length > words[b]!.length ? i : b), 0);
        words[k] = words[k]!.slice(0, 2) + words[k]!.slice(3);
        const q = words.join(' ');
        const hits = await search(q);
        assert.equal(hits[0]?.cle_interop_adr, a.id, `${q} → ${JSON.stringify(hits.slice(0, 2))}`);
        assert.ok(hits[0]!.score < 1 && hits[0]!.score >= 0.8, `${q}: ${hits[0]!.score}`);
      }
    });

    test('citycode restricts, limit caps, nonsense finds nothing', async () => {
      const [a] = await linkedAddresses();
      const insee = a!.id.slice(0, 5);
      const hits = await search('rue', `&citycode=${insee}&limit=3`);
      assert.ok(hits.length <= 3);
      for (const h of hits) assert.equal(h.citycode, insee);
      assert.deepEqual(await search('zzqx wvkp jjhh'), []);
    });

    test('empty, blank and too long queries answer 400 invalid_parameter', async () => {
      for (const url of [
        '/v1/addresses/search?q=',
        '/v1/addresses/search?q=%20%20%20',
        `/v1/addresses/search?q=${'a'.repeat(201)}`,
        `/v1/addresses/search?q=${'a'.repeat(5000)}`,
        '/v1/addresses/search',
        '/v1/addresses/search?q=rue&limit=0',
        '/v1/addresses/search?q=rue&citycode=abc',
      ]) {
        const r = await get(url);
        assert.equal(r.statusCode, 400, url);
        assert.equal(r.json().error.code, 'invalid_parameter', url);
      }
    });

    test('address → buildings: valid links first, each with match_reason and confidence', async () => {
      for (const a of (await linkedAddresses()).slice(0, 20)) {
        const r = await get(`/v1/buildings?address=${encodeURIComponent(a.label)}`);
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json() as {
          status: string;
          address: Hit;
          results: { batid: string; match_reason: string; confidence: number }[];
        };
        assert.equal(body.status, 'ok');
        assert.equal(body.address.cle_interop_adr, a.id);
        const links = await store.query<{ batid: string; valid: boolean | null }>(
          `SELECT l.batid, bool_or(r.lien_valide) AS valid FROM bdnb.rel_batiment_groupe_adresse r
             JOIN batid.id_link l ON l.scheme = 'bdnb_bg' AND l.external_id = r.batiment_groupe_id AND l.active
             JOIN batid.building b ON b.batid = l.batid AND b.status = 'constructed'
            WHERE r.cle_interop_adr = $1 GROUP BY l.batid`,
          [a.id],
        );
        for (const l of links) {
          const got = body.results.find((x) => x.batid === l.batid);
          assert.ok(got, `${l.batid} linked to ${a.id} is listed`);
          if (l.valid) assert.equal(got.match_reason, 'ban_link_valid');
        }
        for (const x of body.results) assert.ok(x.confidence > 0 && x.confidence <= 1);
        const rank = (m: string) => ['ban_link_valid', 'main_address', 'ban_link'].indexOf(m);
        for (let i = 1; i < body.results.length; i++)
          assert.ok(body.results[i - 1]!.confidence >= body.results[i]!.confidence, 'by confidence');
        assert.ok(body.results.every((x) => rank(x.match_reason) >= 0));
      }
    });

    test('an address of an overseas collectivity (BAN 977, 978, 98x; no BDNB) has no building, not an error', async () => {
      const [hit] = await addressServiceOf(store).search((await linkedAddresses())[0]!.label, { limit: 1 });
      for (const citycode of ['97701', '97801', '98735'])
        assert.deepEqual(await buildingsAtAddress(store, { ...hit!, citycode }), [], citycode);
      assert.ok(
        (await buildingsAtAddress(store, hit!)).length > 0,
        'the same address in its own commune has buildings',
      );
    });

    test('below the score threshold it says geocoding_score_is_too_low and lists no building', async () => {
      const [a] = await linkedAddresses();
      // the street without its number: an address, but not a sure one
      const street = a!.label.replace(/^\d+\s+(bis |ter )?/, '');
      const r = await get(`/v1/buildings?address=${encodeURIComponent(street)}`);
      const body = r.json() as { status: string; address: Hit; results: unknown[] };
      assert.equal(body.status, 'geocoding_score_is_too_low', JSON.stringify(body.address));
      assert.ok(body.address.score < 0.8);
      assert.deepEqual(body.results, []);
      const lowered = await get(`/v1/buildings?address=${encodeURIComponent(street)}&min_score=0.5`);
      assert.equal(lowered.json().status, 'ok');
      const none = await get(`/v1/buildings?address=zzqx%20wvkp`);
      assert.equal(none.json().status, 'address_not_found');
    });

    test('GET answers carry CORS headers; a GET preflight is answered', async () => {
      const r = await get('/v1/addresses/search?q=rue');
      assert.equal(r.headers['access-control-allow-origin'], '*');
      const pre = await app.inject({
        method: 'OPTIONS',
        url: '/v1/addresses/search?q=rue',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
      });
      assert.equal(pre.statusCode, 204);
      assert.match(String(pre.headers['access-control-allow-methods']), /GET/);
    });
  });
}
