// End-to-end: the advisors' views (issue 8) in a real browser — the API key in the « Espace
// conseiller », a building's energy follow-up (bills → charts and table), renovation projects
// (/projets) with their SARE acts. Screenshots go to test-results/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { createKey } from '../../src/auth/keys.js';
import { parisDate } from '../../src/copro/energy.js';
import { backends } from '../helpers/backends.js';
import { checkA11y, CHROMIUM, launchChromium, OUT, ROOT } from './browser.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

const nf = new Intl.NumberFormat('fr-FR');

interface ApiYear {
  year: number;
  kwh_final: number;
  electricity_factor: number;
  kwh_ep_m2: number;
  kwh_ep_m2_factor_2_3: number;
  kwh_ep_m2_factor_1_9: number;
  climate: { kwh_ep_m2_corrige: number | null };
  eur: number;
  eur_m2: number;
  label_estime: string;
}

describe('advisors in a real browser: energy follow-up and renovation projects', () => {
  let db: SyntheticDb;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let batid: string;
  let token: string;
  const year = new Date().getUTCFullYear() - 1;
  /** every request of the page, to check the key never leaves the origin */
  const requests: { url: string; auth: string | undefined }[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`the e2e suite needs Chromium at ${CHROMIUM} (or set BATID_CHROMIUM)`);
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `build-web failed: ${built.stderr}`);
    await mkdir(OUT, { recursive: true });
    const embedded = backends().find((m) => m().name === 'embedded')!;
    db = await syntheticDb(embedded, { app: { logLevel: 'silent' } });
    await db.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(db.app.server.address() as AddressInfo).port}`;
    // a building of département 03 with a DPE label, and an advisor key for 03
    const [row] = await db.store.query<{ batid: string }>(
      `SELECT b.batid FROM batid.building b JOIN renovation.batiment rb
          ON rb.code_departement_insee = b.code_departement_insee AND rb.batiment_groupe_id = b.batiment_groupe_id
        WHERE b.status = 'constructed' AND b.code_departement_insee = '03' AND rb.classe_bilan_dpe IS NOT NULL
        ORDER BY b.batid LIMIT 1`,
    );
    assert.ok(row, 'a building of 03 with a DPE label');
    batid = row.batid;
    token = (await createKey(db.store, { role: 'advisor', territories: ['03'], label: 'e2e conseiller 03' }))
      .token;
    // the year's degree days, so that the climate-corrected chart has its bar
    const dju = await db.app.inject({
      method: 'PUT',
      url: `/v1/degree-days/03/${year}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { dju: 2300, source: 'e2e' },
    });
    assert.equal(dju.statusCode, 200, dju.body);
    browser = await launchChromium();
    // one context: the key saved on the building page is there on /projets
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      locale: 'fr-FR',
    });
    await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      const url = route.request().url();
      if (url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      assert.fail(`the page fetched ${url}`);
    });
    context.on('request', (r) => requests.push({ url: r.url(), auth: r.headers().authorization }));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await db?.close();
  });

  const api = async <T>(
    url: string,
    method: 'GET' | 'PUT' | 'POST' = 'GET',
    payload?: object,
  ): Promise<T> => {
    const res = await db.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
    return res.json() as T;
  };

  test('building page: key, energy record, a year of bills → charts and table; a bad line is refused', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/b/${batid}`);
    const energy = page.getByTestId('energy');
    await energy.waitFor({ timeout: 60_000 });
    await energy.getByText('réservés aux conseillers').waitFor();

    // the key: pasted once, kept in this browser
    await energy.getByLabel('Clé d’API conseiller').fill(token);
    await energy.getByRole('button', { name: 'Enregistrer la clé' }).click();
    assert.equal(await page.evaluate(`localStorage.getItem('batid.cle-conseiller')`), token);

    // no record yet: create it
    const create = page.getByTestId('energy-create');
    await create.waitFor();
    await create.getByLabel('Nom (copropriété, maison…)').fill('Résidence des Tilleuls');
    await create.getByLabel('Surface chauffée (m²)').fill('1200');
    await create.getByRole('button', { name: 'Créer le suivi' }).click();

    // one year: gas in m³ for heating, common-area electricity in kWh
    const form = page.getByTestId('bill-form');
    await form.waitFor();
    await form.getByLabel('Année').fill(String(year));
    const l1 = form.getByRole('group', { name: 'Ligne 1' });
    await l1.getByLabel('Usage').selectOption('chauffage');
    await l1.getByLabel('Énergie').selectOption('gaz');
    await l1.getByLabel('Unité').selectOption('m3');
    await l1.getByLabel('Quantité').fill('10000');
    await l1.getByLabel('Montant TTC (€)').fill('9500');
    await form.getByRole('button', { name: 'Ajouter une ligne' }).click();
    const l2 = form.getByRole('group', { name: 'Ligne 2' });
    await l2.getByLabel('Usage').selectOption('electricite_communs');
    assert.equal(await l2.getByLabel('Énergie').inputValue(), 'electricite');
    assert.deepEqual(
      await l2
        .getByLabel('Unité')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)),
      ['kWh', 'MWh'],
    );
    await l2.getByLabel('Quantité').fill('4000');
    await l2.getByLabel('Montant TTC (€)').fill('900');
    await form.getByRole('button', { name: 'Enregistrer l’année' }).click();

    // four charts, one bar per year; the table says what the API says
    await page.locator('[data-testid="energy-chart-final"] svg').waitFor({ timeout: 30_000 });
    const file = await api<{ bills: unknown[]; report: { years: ApiYear[] } }>(
      `/v1/buildings/${batid}/energy`,
    );
    assert.equal(file.bills.length, 2);
    assert.equal(file.report.years.length, 1);
    const y = file.report.years[0]!;
    assert.ok(y.climate.kwh_ep_m2_corrige !== null, 'degree days known');
    for (const chart of [
      'energy-chart-final',
      'energy-chart-ep',
      'energy-chart-ep-corrige',
      'energy-chart-eur',
    ])
      assert.equal(await page.locator(`[data-testid="${chart}"] svg > rect`).count(), 1, chart);
    const cell = (row: string) =>
      page
        .locator(`[data-testid="energy-years"] tr[data-row="${row}"] td[data-year="${year}"]`)
        .textContent();
    const expected: [string, number | null][] = [
      ['kwh_final', y.kwh_final],
      ['electricity_factor', y.electricity_factor],
      ['kwh_ep_m2', y.kwh_ep_m2],
      ['kwh_ep_m2_2_3', y.kwh_ep_m2_factor_2_3],
      ['kwh_ep_m2_1_9', y.kwh_ep_m2_factor_1_9],
      ['kwh_ep_m2_corrige', y.climate.kwh_ep_m2_corrige],
      ['eur', y.eur],
      ['eur_m2', y.eur_m2],
    ];
    for (const [row, v] of expected) assert.equal(await cell(row), nf.format(v!), row);
    assert.equal(
      await page.locator('[data-testid="label-estime"] .dpe-badge').getAttribute('data-dpe'),
      y.label_estime,
    );
    // the chart's own numbers are the API's too
    assert.equal(
      await page.locator('[data-testid="energy-chart-final"] .chart-value').textContent(),
      nf.format(y.kwh_final),
    );
    await page.getByTestId('energy').scrollIntoViewIfNeeded();
    await page.getByTestId('energy').screenshot({ path: join(OUT, 'suivi-energetique.png') });
    await checkA11y(page, `/b/${batid} (suivi énergétique)`);

    // the CSV, fetched with the key
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger le CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `suivi-energetique-${batid}.csv`);
    const csv = (await readFile((await download.path())!, 'utf8'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    assert.match(csv[0]!, /^annee;/);
    assert.ok(csv[1]!.startsWith(`${year};`), csv[1]);

    // a bad line: the API's message names the field, what was typed stays, nothing is saved
    const form2 = page.getByTestId('bill-form');
    const bad = form2.getByRole('group', { name: 'Ligne 2' }).getByLabel('Quantité');
    assert.equal(await bad.inputValue(), '4000', 'the year being entered again comes back filled');
    await bad.fill('-3');
    await form2.getByRole('button', { name: 'Enregistrer l’année' }).click();
    const status = form2.locator('.form-status .error');
    await status.waitFor();
    const text = (await status.textContent())!;
    assert.match(text, /bills\[1\]\.quantity/);
    assert.match(text, /Ligne 2, quantité/);
    assert.equal(await bad.inputValue(), '-3');
    assert.equal(await bad.getAttribute('aria-invalid'), 'true');
    assert.equal(await form2.locator('.form-status').getAttribute('aria-live'), 'polite');
    const again = await api<{ bills: { quantity: number }[] }>(`/v1/buildings/${batid}/energy`);
    assert.deepEqual(
      again.bills.map((b) => b.quantity).sort((a, b) => a - b),
      [4000, 10000],
    );
    await form2.screenshot({ path: join(OUT, 'suivi-energetique-erreur.png') });

    // « Ouvrir un projet » from the card
    await page.getByRole('button', { name: 'Ouvrir un projet' }).click();
    const follow = page.getByRole('link', { name: 'le suivre' });
    await follow.waitFor();
    const projectId = new URL((await follow.getAttribute('href'))!, base).searchParams.get('id');
    const opened = await api<{ batid: string; stage: string }>(`/v1/projects/${projectId}`);
    assert.deepEqual([opened.batid, opened.stage], [batid, 'premier_contact']);
    await checkA11y(page, `/b/${batid} (saisie refusée)`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a key of another territory, or none valid: clear messages', async () => {
    const other = (await createKey(db.store, { role: 'advisor', territories: ['75'], label: 'e2e 75' }))
      .token;
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const setKey = (t: string) =>
      page.evaluate(`localStorage.setItem('batid.cle-conseiller', ${JSON.stringify(t)})`);
    await page.goto(`${base}/api`);
    await setKey(other);
    await page.goto(`${base}/b/${batid}`);
    await page.getByText('Ce bâtiment est hors du territoire de votre clé').waitFor({ timeout: 60_000 });
    await setKey('batid_0000000000_revoked-or-unknown-key-000000000000');
    await page.goto(`${base}/projets`);
    await page.getByText('Clé absente ou révoquée').waitFor();
    await ctx.close();
  });

  test('/projets: create a project, change its stage, add a note and an act, export the SARE acts', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // a finished project, through the API: another building, bills the year before and after its works
    const [other] = await db.store.query<{ batid: string }>(
      `SELECT batid FROM batid.building WHERE status = 'constructed' AND code_departement_insee = '03' AND batid <> $1
        ORDER BY batid LIMIT 1`,
      [batid],
    );
    const done = other!.batid;
    await api(`/v1/buildings/${done}/energy`, 'PUT', { name: 'Maison', heated_surface_m2: 100 });
    for (const [y, q] of [
      [year - 1, 20000],
      [year + 1, 12000],
    ] as const)
      await api(`/v1/buildings/${done}/energy/years/${y}`, 'PUT', {
        bills: [{ year: y, use: 'chauffage', energy: 'gaz', quantity: q, unit: 'kWh', amount_eur: q / 10 }],
      });
    await api('/v1/projects', 'POST', { batid: done, stage: 'travaux_realises', date: `${year}-06-30` });

    await page.goto(`${base}/projets`);
    assert.equal(
      await page.getByRole('link', { name: 'Projets', exact: true }).getAttribute('aria-current'),
      'page',
    );
    await page.locator('[data-testid="projects-list"] tbody tr').first().waitFor();

    await page.getByLabel('BatID du bâtiment').fill(batid);
    await page.getByLabel('Titre (facultatif)').fill('Rénovation globale');
    await page.getByRole('button', { name: 'Ouvrir le projet' }).click();
    const view = page.getByTestId('project-view');
    await view.waitFor();
    assert.equal(await view.getByTestId('project-stage').textContent(), 'Premier contact');
    const id = (await view.getAttribute('data-project'))!;
    assert.equal(new URL(page.url()).searchParams.get('id'), id);
    await page.locator(`[data-testid="projects-list"] tr[data-project="${id}"]`).waitFor();

    // stage: audit, today
    const stageForm = page.getByRole('form', { name: 'Changer d’étape' });
    await stageForm.getByLabel('Nouvelle étape').selectOption('audit');
    await stageForm.getByRole('button', { name: 'Changer d’étape' }).click();
    await page.getByTestId('project-stage').filter({ hasText: 'Audit' }).waitFor();
    assert.equal(await page.locator('[data-testid="project-stages"] li').count(), 2);

    // a dated note
    const noteForm = page.getByRole('form', { name: 'Ajouter une note' });
    await noteForm.getByLabel('Note').fill('Visite du bâtiment avec le syndic.');
    await noteForm.getByRole('button', { name: 'Ajouter la note' }).click();
    await page.getByTestId('project-notes').getByText('Visite du bâtiment avec le syndic.').waitFor();

    // a SARE act
    const actForm = page.getByRole('form', { name: 'Enregistrer un acte SARE' });
    await actForm.getByLabel('Acte').selectOption('A2');
    await actForm.getByLabel('Commentaire (facultatif)').fill('conseil personnalisé au conseil syndical');
    await actForm.getByRole('button', { name: 'Enregistrer l’acte' }).click();
    await page.locator('[data-testid="project-acts"] tbody tr').first().waitFor();
    assert.equal(await page.locator('[data-testid="project-acts"] tbody tr').count(), 1);
    const detail = await api<{ stage: string; acts: { code: string }[]; notes: unknown[] }>(
      `/v1/projects/${id}`,
    );
    assert.equal(detail.stage, 'audit');
    assert.deepEqual(
      detail.acts.map((a) => a.code),
      ['A2'],
    );
    assert.equal(detail.notes.length, 1);

    // the territory dashboard follows
    await page.locator('[data-testid="chart-acts"] svg > rect').first().waitFor({ timeout: 10_000 });
    const dash = await api<{ projects: number; finished: { measured: number; kwh_saved_per_year: number } }>(
      '/v1/projects/dashboard',
    );
    const all = await api<{ results: unknown[] }>('/v1/projects');
    assert.equal(dash.projects, all.results.length, JSON.stringify(dash));
    assert.ok(dash.projects >= 2);
    assert.equal(dash.finished.measured, 1);
    assert.equal(await page.getByTestId('projects-count').textContent(), nf.format(dash.projects));
    assert.equal(
      await page.getByTestId('kwh-saved').textContent(),
      nf.format(dash.finished.kwh_saved_per_year),
    );
    assert.equal(await page.locator('[data-testid="kwh-saved-detail"] tbody tr').count(), 1);
    assert.equal(await page.locator('[data-testid="chart-stages"] svg > rect').count(), 5);
    assert.equal(await page.locator('[data-testid="chart-acts"] svg > rect').count(), 1);
    assert.equal(await page.locator('[data-testid="row-stage"]').first().textContent(), 'Audit');

    // the SARE export of the period, fetched with the key; acts are dated in France's time zone
    const today = parisDate();
    await page.getByLabel('Du', { exact: true }).fill(`${today.slice(0, 4)}-01-01`);
    await page.getByLabel('Au', { exact: true }).fill(today);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporter les actes SARE (CSV)' }).click(),
    ]);
    const csv = (await readFile((await download.path())!, 'utf8'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    assert.match(csv[0]!, /^date_acte;code_acte;/);
    assert.equal(csv.length, 2, csv.join('\n'));
    assert.ok(csv[1]!.startsWith(`${today};A2;`) && csv[1]!.includes(batid), csv[1]);

    await page.screenshot({ path: join(OUT, 'projets.png'), fullPage: true });
    await checkA11y(page, '/projets (projet ouvert)');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the key went to this server only, as Bearer', () => {
    const withKey = requests.filter((r) => r.auth);
    assert.ok(withKey.length > 5);
    for (const r of withKey) {
      assert.ok(r.url.startsWith(`${base}/v1/`), r.url);
      assert.equal(r.auth, `Bearer ${token}`);
    }
  });
});
