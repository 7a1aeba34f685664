// End-to-end: the web app in a real browser (Debian chromium driven by playwright-core) on a
// synthetic département with its heat networks. Screenshots go to test-results/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createKey } from '../../src/auth/keys.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import { backends } from '../helpers/backends.js';
import { checkA11y, CHROMIUM, launchChromium, OUT, ROOT } from './browser.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

interface Card {
  batid: string;
  sections?: Record<string, { data: unknown }>;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });

describe('web app in a real browser', () => {
  let db: SyntheticDb;
  let browser: Browser;
  let base: string;
  let proToken: string;
  let batid: string;
  let label: string;
  let address: string;
  let citycode: string;

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `the e2e suite needs Chromium at ${CHROMIUM}: install it with \`apt-get install -y --no-install-recommends chromium\` (.ci/run does), or set BATID_CHROMIUM`,
      );
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `build-web failed: ${built.stderr}`);
    await mkdir(OUT, { recursive: true });
    const embedded = backends().find((m) => m().name === 'embedded')!;
    db = await syntheticDb(embedded, { app: { logLevel: 'silent' } });
    const layers = (await readdir(db.export))
      .filter((f) => f.endsWith('.geojson'))
      .map((f) => join(db.export, f));
    await importNetworks(db.store, layers);
    proToken = (await createKey(db.store, { role: 'pro', label: 'e2e' })).token;
    await db.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(db.app.server.address() as AddressInfo).port}`;
    // a building with a DPE label, reached from one of its addresses
    const hits = (await db.app.inject({ url: '/v1/addresses/search?q=rue&limit=50' })).json().results as {
      label: string;
      batids: string[];
      citycode: string;
    }[];
    for (const hit of hits) {
      const [b] = hit.batids;
      if (!b) continue;
      const card = (await db.app.inject({ url: `/v1/buildings/${b}` })).json() as Card;
      const l = (card.sections?.energie?.data as { classe_bilan_dpe?: string } | null)?.classe_bilan_dpe;
      if (l) {
        [batid, label, address, citycode] = [b, l, hit.label, hit.citycode];
        break;
      }
    }
    assert.ok(batid!, 'a building with a DPE label at a searchable address');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await db?.close();
  });

  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    // nothing may be fetched from anywhere but the app itself
    await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      if (route.request().url().startsWith('blob:') || route.request().url().startsWith('data:'))
        return route.continue();
      assert.fail(`the page fetched ${route.request().url()}`);
    });
    return page;
  };

  test('map page: search an address, pick the suggestion with the keyboard, the card opens', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-map="ready"]', { timeout: 30_000 });
    // legend and layer toggles, by keyboard
    await page.getByText('Couches et légende').click();
    const toggle = page.getByLabel('Adresses', { exact: true });
    await toggle.focus();
    await page.keyboard.press('Space');
    assert.equal(await toggle.isChecked(), false);
    await page.keyboard.press('Space');
    await page.waitForTimeout(1000);
    await shot(page, 'carte');
    await checkA11y(page, '/ (map, legend open)');
    const box = page.getByRole('combobox', { name: 'Rechercher une adresse ou un BatID' });
    await box.pressSequentially(address, { delay: 10 });
    await page.getByRole('option', { name: address }).first().waitFor();
    await box.press('ArrowDown');
    await box.press('Enter');
    await page.waitForSelector(`article.building-card[data-batid="${batid}"]`);
    assert.equal(await page.getByTestId('batid').textContent(), batid);
    assert.equal(await page.locator('[data-testid="dpe-label"] .dpe-badge').getAttribute('data-dpe'), label);
    assert.equal(new URL(page.url()).pathname, `/b/${batid}`);
    // the eligibility sentence is the API's
    const elig = (await db.app.inject({ url: `/v1/eligibility?batid=${batid}` })).json() as {
      message: string;
      type: string;
    };
    assert.equal(await page.getByTestId('eligibility-sentence').textContent(), elig.message);
    assert.equal(await page.getByTestId('eligibility').getAttribute('data-type'), elig.type);
    // DPE history: one row per certificate of the API
    const dpe = (await db.app.inject({ url: `/v1/buildings/${batid}/dpe` })).json() as {
      certificats: unknown[];
    };
    assert.equal(await page.locator('[data-testid="dpe-history"] tbody tr').count(), dpe.certificats.length);
    // every section of the card is there
    const card = (await db.app.inject({ url: `/v1/buildings/${batid}` })).json() as Card;
    for (const key of Object.keys(card.sections ?? {}))
      assert.equal(await page.locator(`[data-section="${key}"]`).count(), 1, `section ${key}`);
    await page.waitForTimeout(1500); // the fly-to animation
    await shot(page, 'carte-fiche');
    await checkA11y(page, '/ with a building card');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('permalink /b/{batid} opens the card directly', async () => {
    const page = await newPage();
    await page.goto(`${base}/b/${batid}`);
    await page.waitForSelector(`article.building-card[data-batid="${batid}"]`, { timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="dpe-label"] .dpe-badge').getAttribute('data-dpe'), label);
    await page.getByRole('button', { name: 'Fermer la fiche' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.goBack();
    await page.waitForSelector(`article.building-card[data-batid="${batid}"]`);
    await shot(page, 'permalien');
    await checkA11y(page, `/b/${batid}`);
    await page.close();
  });

  test('eligibility page: an address gives the API’s verdict', async () => {
    const page = await newPage();
    await page.goto(`${base}/eligibilite`);
    const box = page.getByRole('combobox', { name: 'Adresse du bâtiment' });
    await box.pressSequentially(address.slice(0, 25), { delay: 10 });
    await page.getByRole('option', { name: address }).first().click();
    await page.getByTestId('eligibility').waitFor();
    const api = (
      await db.app.inject({ url: `/v1/eligibility?address=${encodeURIComponent(address)}` })
    ).json() as {
      type: string;
      message: string;
    };
    assert.equal(await page.getByTestId('eligibility').getAttribute('data-type'), api.type);
    assert.equal(await page.getByTestId('eligibility-sentence').textContent(), api.message);
    await shot(page, 'eligibilite');
    await checkA11y(page, '/eligibilite');
    await page.close();
  });

  test('bulk page: upload a CSV, columns detected, progress, download the result', async () => {
    const page = await newPage();
    await page.goto(`${base}/masse`);
    // a pro route: the page asks for the key first, then keeps it in this browser
    await page.getByRole('textbox', { name: 'Clé d’API pro', exact: true }).fill(proToken);
    await page.getByRole('button', { name: 'Enregistrer la clé' }).click();
    await page.getByText('Clé enregistrée dans ce navigateur').waitFor();
    const csv = `nom;adresse postale\nA;${address}\nB;2 rue qui n'existe pas 99999 Nulle-Part\n`;
    await page
      .getByLabel('Fichier CSV')
      .setInputFiles({ name: 'adresses.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    assert.equal(await page.getByLabel('Colonne d’adresse').inputValue(), '2');
    await page.getByRole('button', { name: 'Lancer le test' }).click();
    const link = page.getByTestId('download-csv');
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trim().split(/\r?\n/);
    assert.equal(lines.length, 3, text);
    assert.match(lines[0]!, /BatID/);
    assert.ok(lines[1]!.includes(batid), lines[1]);
    await page.waitForSelector('body[data-results-map="ready"]', { timeout: 30_000 });
    await shot(page, 'test-en-masse');
    await checkA11y(page, '/masse');
    await page.close();
  });

  test('dashboard: a commune’s charts and CSV export', async () => {
    const page = await newPage();
    await page.goto(`${base}/tableaux-de-bord?level=commune&code=${citycode}`);
    await page.getByTestId('dashboard').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByLabel('Territoire').inputValue(), citycode);
    const api = (await db.app.inject({ url: `/v1/indicators?level=commune&code=${citycode}` })).json() as {
      results: {
        dpe: {
          etiquettes: Record<string, { batiments: number }>;
          passoires_f_g: { part_batiments: { part: number } };
        };
        renovations?: { par_annee?: Record<string, unknown> };
      }[];
    };
    const ind = api.results[0]!;
    const share = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 }).format(
      ind.dpe.passoires_f_g.part_batiments.part,
    );
    assert.equal(await page.getByTestId('fg-share').textContent(), share);
    assert.equal(await page.locator('[data-testid="chart-dpe"] svg rect').count(), 7);
    for (const chart of ['chart-fg', 'chart-heating'])
      assert.ok((await page.locator(`[data-testid="${chart}"] svg rect`).count()) > 0, chart);
    const years = Object.keys(ind.renovations?.par_annee ?? {}).length;
    assert.equal(
      await page.locator('[data-testid="chart-renovations"] svg > rect').count(),
      years ? years * 2 : 0,
    );
    const href = await page.getByRole('link', { name: 'Télécharger en CSV' }).getAttribute('href');
    const res = await fetch(`${base}${href}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /csv/);
    await shot(page, 'tableau-de-bord');
    await checkA11y(page, '/tableaux-de-bord');
    await page.close();
  });

  test('server: /config.json gives the data extent; assets are gzipped, traversal is refused', async () => {
    const cfg = (await (await fetch(`${base}/config.json`)).json()) as {
      basemap_style: unknown;
      bounds: number[];
    };
    assert.equal(cfg.basemap_style, null);
    assert.equal(cfg.bounds.length, 4);
    assert.ok(cfg.bounds[0]! < cfg.bounds[2]! && cfg.bounds[1]! < cfg.bounds[3]!);
    const html = await (await fetch(`${base}/`)).text();
    const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(js, html);
    const res = await fetch(`${base}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    for (const bad of ['/assets/..%2F..%2Fpackage.json', '/assets/nope.js', `${js}.gz`])
      assert.equal((await fetch(`${base}${bad}`)).status, 404, bad);
  });

  test('API page keeps the links of the old landing page; first load stays under 1 MB of JS gzipped', async () => {
    const page = await newPage();
    await page.goto(`${base}/api`);
    await page.getByRole('link', { name: 'Documentation interactive' }).waitFor();
    await checkA11y(page, '/api');
    await page.close();
    const manifest = JSON.parse(await readFile(join(ROOT, 'dist', 'web', 'manifest.json'), 'utf8')) as {
      first_load_js_gzip_bytes: number;
    };
    assert.ok(manifest.first_load_js_gzip_bytes < 1_000_000, `${manifest.first_load_js_gzip_bytes} bytes`);
  });
});
