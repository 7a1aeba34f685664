// End-to-end: the building card shows « Professionnels qui interviennent dans la commune » from
// the directory, with its specialty filter, in a real browser (Debian chromium, playwright-core).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { importDirectory } from '../../src/directory/import-directory.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';
import { checkA11y, CHROMIUM, launchChromium, OUT, ROOT, waitForCount } from './browser.js';

describe('building card: the professionals of its commune', () => {
  let db: SyntheticDb;
  let browser: Browser;
  let base: string;
  let batid: string;

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `the e2e suite needs Chromium at ${CHROMIUM} (apt-get install chromium, or BATID_CHROMIUM)`,
      );
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `build-web failed: ${built.stderr}`);
    await mkdir(OUT, { recursive: true });
    const embedded = backends().find((m) => m().name === 'embedded')!;
    db = await syntheticDb(embedded, { scale: 0.005, app: { logLevel: 'silent', jobs: false } });
    const [b] = await db.store.query<{ batid: string; commune: string }>(
      `SELECT b.batid, g.code_commune_insee AS commune FROM batid.building b
         JOIN bdnb.batiment_groupe g
           ON g.code_departement_insee = b.code_departement_insee AND g.batiment_groupe_id = b.batiment_groupe_id
        WHERE b.status = 'constructed' AND g.code_commune_insee IS NOT NULL ORDER BY b.batid LIMIT 1`,
    );
    assert.ok(b);
    batid = b.batid;
    const path = join(db.dir, 'annuaire.csv');
    await writeFile(
      path,
      [
        'nom;specialites;rge;rge_qualifications;rge_fin_validite;departements_intervention;communes_intervention;site_web;telephone;email',
        `Isolation Test;isolation|menuiseries;oui;Qualibat 7131;2099-12-31;03;;https://isolation.example;04 65 71 00 01;contact@isolation.example`,
        `Chauffage Test;chauffage;non;;;;${b.commune};;04 65 71 00 02;`,
        `Ailleurs Test;chauffage;non;;;63;;;;`,
        '',
      ].join('\n'),
    );
    const r = await importDirectory(db.store, path, { rejects: { add: async () => undefined } });
    assert.equal(r.imported, 3);
    await db.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(db.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await db?.close();
  });

  test('the section lists them, with French labels, RGE badge and contact; the filter narrows it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/b/${batid}`);
    const section = page.getByTestId('professionals-section');
    await section.getByRole('heading', { name: 'Professionnels qui interviennent dans la commune' }).waitFor({
      timeout: 30_000,
    });
    await section.getByTestId('professionals').waitFor({ timeout: 30_000 });
    const names = async () =>
      (await section.getByTestId('professional').locator('h4').allTextContents()).sort();
    assert.deepEqual(await names(), [
      'Chauffage Test',
      'Isolation Test RGE (Qualibat 7131 — valable jusqu’au 31/12/2099)',
    ]);
    const iso = section.locator('[data-testid="professional"]', { hasText: 'Isolation Test' });
    assert.match((await iso.locator('.pro-specialties').textContent()) ?? '', /Isolation · Menuiseries/);
    assert.equal(
      await iso.getByRole('link', { name: 'contact@isolation.example' }).getAttribute('href'),
      'mailto:contact@isolation.example',
    );
    await section.getByLabel('Spécialité').selectOption('chauffage');
    await section.getByText('Chauffage Test').waitFor();
    await waitForCount(section.getByTestId('professional'), 1);
    assert.deepEqual(await names(), ['Chauffage Test']);
    await section.getByLabel('Spécialité').selectOption('solaire');
    await section
      .getByText('Aucun professionnel de l’annuaire n’intervient dans cette commune en « Solaire ».')
      .waitFor();
    await section.getByLabel('Spécialité').selectOption('');
    await section.getByLabel('RGE à jour seulement').check();
    await waitForCount(section.getByTestId('professional'), 1);
    assert.match((await names())[0]!, /^Isolation Test/);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, 'fiche-professionnels.png') });
    await checkA11y(page, `/b/${batid} with professionals`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
