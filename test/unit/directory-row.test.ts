import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { columnName, DIRECTORY_HEADER, parseProfessionalRow } from '../../src/directory/professional-row.js';
import { luhnValid, parseSiret } from '../../src/directory/siret.js';
import { parseSpecialties } from '../../src/directory/specialties.js';

describe('SIRET: 14 digits and a Luhn key', () => {
  const cases: [string, string | null][] = [
    ['12345678900015', '12345678900015'], // a made-up number with its Luhn key
    ['123 456 789 00015', '12345678900015'], // spaces as people write them
    ['123.456.789.00015', '12345678900015'],
    ['12345678900016', null], // last digit changed
    ['12345678900051', null], // two digits swapped
    ['1234567890001', null], // 13 digits
    ['123456789000155', null], // 15 digits
    ['1234567890001A', null],
    ['', null],
    ['35600000000015', '35600000000015'], // La Poste: digit sum 20, a multiple of 5 (not Luhn-valid)
    ['35600000000048', null], // La Poste: Luhn-valid but digit sum 26
  ];
  for (const [raw, expected] of cases)
    test(`"${raw}" → ${expected ?? 'refused'}`, () => {
      const r = parseSiret(raw);
      if (expected === null) assert.equal(r.ok, false);
      else assert.deepEqual(r, { ok: true, siret: expected });
    });

  test('Luhn itself', () => {
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
    assert.equal(luhnValid('35600000000015'), false, 'the La Poste case is its own rule');
  });
});

describe('specialties: codes or French labels, | separated', () => {
  const cases: [string, string[] | RegExp][] = [
    ['isolation', ['isolation']],
    ['isolation|chauffage', ['isolation', 'chauffage']],
    [' Isolation | CHAUFFAGE ', ['isolation', 'chauffage']],
    ['Maîtrise d’œuvre', ['maitrise_oeuvre']],
    ["maitrise d'oeuvre|Architecte", ['maitrise_oeuvre', 'architecte']],
    ['Audit énergétique / DTG', ['audit_energetique_dtg']],
    ['DTG', ['audit_energetique_dtg']],
    ['offre_globale,solaire', ['offre_globale', 'solaire']],
    ['isolation|isolation', ['isolation']],
    ['plomberie', /unknown specialty "plomberie"/],
    ['isolation|toiture', /unknown specialty "toiture"/],
    ['', /no specialty/],
    [' | ', /no specialty/],
  ];
  for (const [raw, expected] of cases)
    test(`"${raw}"`, () => {
      const r = parseSpecialties(raw);
      if (expected instanceof RegExp) {
        assert.equal(r.ok, false);
        assert.match(r.ok ? '' : r.error, expected);
      } else assert.deepEqual(r, { ok: true, specialties: expected });
    });
});

describe('a directory row: the first problem rejects it, with its column', () => {
  const at = new Map(DIRECTORY_HEADER.map((c, i) => [c, i]));
  const row = (v: Partial<Record<(typeof DIRECTORY_HEADER)[number], string>>) =>
    parseProfessionalRow(
      DIRECTORY_HEADER.map((c) => v[c] ?? ''),
      at,
    );
  const col = (c: (typeof DIRECTORY_HEADER)[number]) => DIRECTORY_HEADER.indexOf(c) + 1;
  const base = { nom: 'Exemple SARL', specialites: 'isolation', departements_intervention: '03' };

  test('a good row, normalised', () => {
    const r = row({
      ...base,
      siret: '123 456 789 00015',
      rge_qualifications: 'Qualibat 7131|QualiPAC',
      rge_fin_validite: '31/12/2027',
      departements_intervention: '3|63|2a',
      communes_intervention: '03185;03310',
      rayon_km: '12,5',
      site_web: 'exemple.example/contact',
      telephone: '04.65.71.00.01',
      email: 'Contact@Exemple.example',
      lon: '3,4263',
      lat: '46.1277',
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      id: 'siret-12345678900015',
      name: 'Exemple SARL',
      specialties: ['isolation'],
      rge: true,
      rgeQualifications: ['Qualibat 7131', 'QualiPAC'],
      rgeValidUntil: '2027-12-31',
      siret: '12345678900015',
      address: null,
      codePostal: null,
      commune: null,
      codeCommune: null,
      lon: 3.4263,
      lat: 46.1277,
      areaDepartements: ['03', '63', '2A'],
      areaCommunes: ['03185', '03310'],
      areaRadiusKm: 12.5,
      website: 'https://exemple.example/contact',
      phone: '0465710001',
      email: 'contact@exemple.example',
    });
  });

  test('the id: the source’s, else the SIRET, else stable from name and postcode', () => {
    const a = row({ ...base, id: 'SRC-1', siret: '12345678900015' });
    const b = row({ ...base, code_postal: '03100' });
    const c = row({ ...base, nom: 'EXEMPLE sarl', code_postal: '03100' });
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal(a.value.id, 'SRC-1');
    assert.match(b.value.id, /^nom-[0-9a-z]+$/);
    assert.equal(b.value.id, c.value.id, 'case does not change the id');
    const d = row({ ...base, code_postal: '03200' });
    assert.ok(d.ok);
    assert.notEqual(d.value.id, b.value.id, 'another postcode, another business');
  });

  const bad: [string, Partial<Record<(typeof DIRECTORY_HEADER)[number], string>>, number, RegExp][] = [
    ['missing name', { ...base, nom: ' ' }, col('nom'), /nom is empty/],
    ['unknown specialty', { ...base, specialites: 'isolation|plomberie' }, col('specialites'), /plomberie/],
    ['no specialty', { ...base, specialites: '' }, col('specialites'), /no specialty/],
    ['bad SIRET', { ...base, siret: '12345678900016' }, col('siret'), /Luhn/],
    ['short SIRET', { ...base, siret: '1234567890001' }, col('siret'), /14 digits/],
    ['bad postcode', { ...base, code_postal: '3100' }, col('code_postal'), /5 digits/],
    ['postcode 00…', { ...base, code_postal: '00100' }, col('code_postal'), /5 digits/],
    ['bad commune', { ...base, code_commune_insee: '99999' }, col('code_commune_insee'), /INSEE/],
    ['lon without lat', { ...base, lon: '3.4' }, col('lat'), /give both/],
    ['lat without lon', { ...base, lat: '46.1' }, col('lon'), /give both/],
    [
      'point outside France',
      { ...base, lon: '13.4', lat: '52.5' },
      col('lon'),
      /not a WGS84 point in France/,
    ],
    [
      'bad département',
      { ...base, departements_intervention: '03|99' },
      col('departements_intervention'),
      /"99"/,
    ],
    [
      'bad commune in the area',
      { ...base, communes_intervention: '3185' },
      col('communes_intervention'),
      /3185/,
    ],
    ['radius 0', { ...base, rayon_km: '0' }, col('rayon_km'), /0 < r/],
    ['radius text', { ...base, rayon_km: 'dix' }, col('rayon_km'), /expected a number/],
    [
      'no area',
      { nom: 'X', specialites: 'isolation' },
      col('departements_intervention'),
      /no intervention area/,
    ],
    ['bad rge', { ...base, rge: 'peut-être' }, col('rge'), /boolean/],
    ['bad date', { ...base, rge_fin_validite: '2027-02-30' }, col('rge_fin_validite'), /no such date/],
    ['bad email', { ...base, email: 'contact at exemple' }, col('email'), /e-mail/],
    ['bad phone', { ...base, telephone: '12' }, col('telephone'), /phone/],
    ['bad website', { ...base, site_web: 'ftp://exemple.example' }, col('site_web'), /http/],
  ];
  for (const [name, v, column, reason] of bad)
    test(`refused: ${name}`, () => {
      const r = row(v);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.column, column);
      assert.match(r.error, reason);
    });

  test('header names: any case, accents optional', () => {
    assert.equal(columnName('Spécialités'), 'specialites');
    assert.equal(columnName(' Code postal '), 'code_postal');
    assert.equal(columnName('RGE_fin_validite'), 'rge_fin_validite');
  });
});
