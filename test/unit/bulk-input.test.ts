import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BULK_INPUT_MAX_BYTES,
  BulkInputError,
  parseBulkInput,
  parseBulkInputFile,
  type BulkInput,
  type BulkInputOptions,
  type BulkRow,
} from '../../src/jobs/bulk-input.js';

const dir = mkdtempSync(join(tmpdir(), 'batid-bulk-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A row in short: [line, address] or [line, lon, lat] or [line, '!error']. */
type Short = [number, string] | [number, number, number];
function short(r: BulkRow): Short {
  if (r.error !== undefined) return [r.line, `!${r.error}`];
  if (r.address !== undefined) return [r.line, r.address];
  return [r.line, r.lon!, r.lat!];
}

interface Case {
  name: string;
  input: string | Buffer;
  options?: BulkInputOptions;
  want: Partial<Omit<BulkInput, 'rows'>>;
  rows: Short[];
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');

const CASES: Case[] = [
  // separators, header, encodings
  {
    name: '; with header, address + postcode + commune joined',
    input: 'adresse;code_postal;commune\n12 rue de la Paix;75002;Paris\n"3, rue ""X""";69003;Lyon\n',
    want: {
      separator: ';',
      hasHeader: true,
      mode: 'address',
      columns: ['adresse', 'code_postal', 'commune'],
    },
    rows: [
      [2, '12 rue de la Paix, 75002 Paris'],
      [3, '3, rue "X", 69003 Lyon'],
    ],
  },
  {
    name: ', with quoted separators',
    input: 'id,Adresse,note\n1,"5 avenue Foch, 69006 Lyon","a,b"\n2,8 rue Neuve,\n',
    want: { separator: ',', hasHeader: true, columns: ['Adresse'], columnIndexes: [1] },
    rows: [
      [2, '5 avenue Foch, 69006 Lyon'],
      [3, '8 rue Neuve'],
    ],
  },
  {
    name: 'tab (TSV) with an English header',
    input: 'ref\taddress\tcity\nA1\t1 Main Street\tLille\n',
    want: { separator: '\t', columns: ['address', 'city'] },
    rows: [[2, '1 Main Street, Lille']],
  },
  {
    name: '| separator',
    input: 'a|b|Adresse\n1|2|3 rue Z\n',
    want: { separator: '|', columns: ['Adresse'] },
    rows: [[2, '3 rue Z']],
  },
  {
    name: 'one column, no header: an address list (CRLF, blank lines skipped, numbering kept)',
    input: '12 rue de la Paix 75002 Paris\r\n\r\n3 place Bellecour, Lyon\r\n  \r\n',
    want: {
      separator: null,
      hasHeader: false,
      mode: 'address',
      columns: ['colonne 1'],
      header: ['colonne 1'],
    },
    rows: [
      [1, '12 rue de la Paix 75002 Paris'],
      [3, '3 place Bellecour, Lyon'],
      [4, '!adresse vide'],
    ],
  },
  {
    name: 'one column with header, commas inside the addresses',
    input: 'Adresse\n12 rue de la Paix, 75002 Paris\n3 place Bellecour, 69002, Lyon\n',
    want: { separator: null, hasHeader: true, columns: ['Adresse'] },
    rows: [
      [2, '12 rue de la Paix, 75002 Paris'],
      [3, '3 place Bellecour, 69002, Lyon'],
    ],
  },
  {
    name: 'no header, every line "street, town": the columns are joined back',
    input: '12 rue de la Paix, 75002 Paris\n3 place Bellecour, 69002 Lyon\n',
    want: { separator: ',', hasHeader: false, columns: ['colonne 1', 'colonne 2'] },
    rows: [
      [1, '12 rue de la Paix, 75002 Paris'],
      [2, '3 place Bellecour, 69002 Lyon'],
    ],
  },
  {
    name: 'UTF-8 with BOM',
    input: '\ufeffAdresse;Ville\n1 rue de l’Église;Béziers\n',
    want: { encoding: 'utf-8', header: ['Adresse', 'Ville'] },
    rows: [[2, '1 rue de l’Église, Béziers']],
  },
  {
    name: 'Windows-1252 accents (invalid UTF-8)',
    input: latin1("adresse;commune\n1 rue de l'\xc9glise;B\xe9ziers\n2 all\xe9e des Ch\xeanes;Orl\xe9ans\n"),
    want: { encoding: 'windows-1252' },
    rows: [
      [2, "1 rue de l'Église, Béziers"],
      [3, '2 allée des Chênes, Orléans'],
    ],
  },
  {
    name: 'UTF-8 with one stray byte stays UTF-8 (the byte is replaced)',
    input: Buffer.concat([Buffer.from('adresse\n1 rue de l’Église\n'), latin1('2 rue \xe9\n')]),
    want: { encoding: 'utf-8' },
    rows: [
      [2, '1 rue de l’Église'],
      [3, '2 rue \ufffd'],
    ],
  },
  {
    name: 'quoted field over two lines: the next rows keep their file line',
    input: 'adresse;commune\n"Bât. B\n4 rue Haute";Caen\n5 rue Basse;Caen\n',
    rows: [
      [2, 'Bât. B 4 rue Haute, Caen'],
      [4, '5 rue Basse, Caen'],
    ],
    want: {},
  },
  // address columns
  {
    name: 'number, suffix, street, postcode, commune joined',
    input:
      'numero;indice_repetition;nom_voie;code_postal;nom_commune\n12;bis;rue de la Paix;75002;Paris\n;;place Vendôme;75001;Paris\n',
    want: { columns: ['numero', 'indice_repetition', 'nom_voie', 'code_postal', 'nom_commune'] },
    rows: [
      [2, '12 bis rue de la Paix, 75002 Paris'],
      [3, 'place Vendôme, 75001 Paris'],
    ],
  },
  {
    name: 'N°, Voie, CP, Ville: parts the address already holds are not repeated',
    input: 'N°,Voie,CP,Ville\n12,12 rue Neuve 59000 Lille,59000,Lille\n3,rue Haute,,LILLE\n',
    want: { columns: ['N°', 'Voie', 'CP', 'Ville'] },
    rows: [
      [2, '12 rue Neuve 59000 Lille'],
      [3, '3 rue Haute, LILLE'],
    ],
  },
  {
    name: 'whole address name wins over a label; e-mail and id columns ignored',
    input: 'libelle;adresse_mail;id_adresse;Adresse postale\nx;a@b.fr;A1;1 rue Y\n',
    want: { columns: ['Adresse postale'] },
    rows: [[2, '1 rue Y']],
  },
  {
    name: 'empty rows and short rows: "adresse vide"',
    input: 'id;adresse\n1;1 rue A\n2;\n;;\n3\n',
    rows: [
      [2, '1 rue A'],
      [3, '!adresse vide'],
      [4, '!adresse vide'],
      [5, '!adresse vide'],
    ],
    want: {},
  },
  {
    name: 'a stray quote costs its line only',
    input: 'id;adresse\n1;"2 rue B\n3;4 rue C\n',
    rows: [
      [2, '!ligne illisible, guillemet ouvert jamais fermé : "1;\\"2 rue B"'],
      [3, '4 rue C'],
    ],
    want: {},
  },
  // lon/lat
  {
    name: 'lon/lat columns with decimal commas, bad values each say why',
    input:
      'nom;longitude;latitude\nA;2,3522;48,8566\nB;abc;48.1\nC;;45\nD;12.5;60.1\nE;48.85;2.35\nF;55.45;-20.88\n',
    want: { mode: 'lonlat', columns: ['longitude', 'latitude'], columnIndexes: [1, 2] },
    rows: [
      [2, 2.3522, 48.8566],
      [3, '!longitude invalide : "abc"'],
      [4, '!longitude vide'],
      [5, '!coordonnées hors de France : 12.5, 60.1'],
      [6, '!coordonnées hors de France : 48.85, 2.35 (longitude et latitude inversées ?)'],
      [7, 55.45, -20.88],
    ],
  },
  {
    name: 'lat before lng, comma separator',
    input: 'lat,lng\n43.6,1.44\n',
    want: { separator: ',', columns: ['lng', 'lat'], columnIndexes: [1, 0] },
    rows: [[2, 1.44, 43.6]],
  },
  {
    name: 'lon/lat preferred over an address column',
    input: 'adresse;x;y\n1 rue A;4.83;45.76\n',
    want: { mode: 'lonlat', columns: ['x', 'y'] },
    rows: [[2, 4.83, 45.76]],
  },
  {
    name: 'x/y in Lambert-93 are not lon/lat: the address is read',
    input: 'adresse;x;y\n1 rue A;652000;6862000\n',
    want: { mode: 'address', columns: ['adresse'] },
    rows: [[2, '1 rue A']],
  },
  {
    name: 'no header, two numbers in France: lon/lat by content (lat first)',
    input: '48.85;2.35\n45.76;4.83\n',
    want: { hasHeader: false, mode: 'lonlat', columnIndexes: [1, 0] },
    rows: [
      [1, 2.35, 48.85],
      [2, 4.83, 45.76],
    ],
  },
  // explicit columns
  {
    name: 'address column by name, accent- and case-insensitive',
    input: 'Lieu;Adresse\n1 rue A;2 rue B\n',
    options: { addressColumn: 'LIEU' },
    want: { columns: ['Lieu'], columnIndexes: [0] },
    rows: [[2, '1 rue A']],
  },
  {
    name: 'address column by index (0-based), header detected',
    input: 'a;b\nx;1 rue A\n',
    options: { addressColumn: 1 },
    want: { hasHeader: true, columns: ['b'] },
    rows: [[2, '1 rue A']],
  },
  {
    name: 'a named column makes the first line a header even with digits in it',
    input: 'col1;col2\nx;1 rue A\n',
    options: { addressColumn: 'col2' },
    want: { hasHeader: true, columns: ['col2'] },
    rows: [[2, '1 rue A']],
  },
  {
    name: 'lon/lat columns by name, no France check before reading',
    input: 'e;n\n2.35;48.85\n0;0\n',
    options: { lonColumn: 'e', latColumn: 'n' },
    want: { mode: 'lonlat', columns: ['e', 'n'] },
    rows: [
      [2, 2.35, 48.85],
      [3, '!coordonnées hors de France : 0, 0'],
    ],
  },
  {
    name: 'separator and header forced',
    input: '1 rue A;B\n',
    options: { separator: ',', hasHeader: false },
    want: { separator: ',', hasHeader: false },
    rows: [[1, '1 rue A;B']],
  },
];

for (const c of CASES) {
  test(`bulk input: ${c.name}`, () => {
    const got = parseBulkInput(Buffer.isBuffer(c.input) ? c.input : Buffer.from(c.input), c.options);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof BulkInput], v, k);
    assert.deepEqual([...got.rows].map(short), c.rows);
    assert.equal(got.countRows(), c.rows.length, 'countRows() counts the rows');
  });
}

const HEADERS: [string, string[] | null][] = [
  ['Adresse', ['Adresse']],
  ['ADDRESS', ['ADDRESS']],
  ['addr', ['addr']],
  ['Libellé', ['Libellé']],
  ['label', ['label']],
  ['Rue', ['Rue']],
  ['voie', ['voie']],
  ['adresse1', ['adresse1']],
  ['Adresse du bâtiment', ['Adresse du bâtiment']],
  ['Nom de la voie', ['Nom de la voie']],
  ['Adresse e-mail', null],
  ['type_voie', null],
];
for (const [name, columns] of HEADERS) {
  test(`bulk input: header "${name}" is ${columns ? 'an address column' : 'not an address column'}`, () => {
    const input = Buffer.from(`id;${name}\n7;1 rue A\n`);
    if (columns) assert.deepEqual(parseBulkInput(input).columns, columns);
    else assert.throws(() => parseBulkInput(input), { code: 'no_address_column' });
  });
}

const ERRORS: {
  name: string;
  input: string | Buffer;
  options?: BulkInputOptions;
  code: string;
  message: RegExp;
}[] = [
  {
    name: 'over 50 MB',
    input: Buffer.alloc(BULK_INPUT_MAX_BYTES + 1, 0x61),
    code: 'file_too_large',
    message: /^fichier trop volumineux : 50\.1 Mo, au plus 50 Mo$/,
  },
  { name: 'empty', input: '', code: 'empty_file', message: /fichier vide/ },
  { name: 'BOM and blank lines only', input: '\ufeff\n\r\n\n', code: 'empty_file', message: /fichier vide/ },
  { name: 'separators only', input: ';;\n;;\n', code: 'empty_file', message: /fichier vide/ },
  {
    name: 'a header and no row',
    input: 'adresse;commune\n',
    code: 'empty_file',
    message: /attendu des lignes après l’en-tête "adresse;commune"/,
  },
  {
    name: 'no usable column: the header is listed',
    input: 'id;nom;surface\n1;Dupont;50\n',
    code: 'no_address_column',
    message:
      /attendu une colonne nommée adresse.*ou deux colonnes lon et lat ; en-tête trouvé : "id", "nom", "surface"$/,
  },
  {
    name: 'x/y not in WGS84 and no address',
    input: 'x;y\n652000;6862000\n',
    code: 'no_address_column',
    message:
      /les colonnes "x" et "y" ne contiennent pas des longitudes\/latitudes WGS84 en France \(ex\. "652000", "6862000"\)/,
  },
  {
    name: 'no header, numbers only, not in France',
    input: '1;2\n3;4\n',
    code: 'no_address_column',
    message: /pas d’en-tête.*première ligne : "1", "2"/,
  },
  {
    name: 'unknown column name',
    input: 'a;b\nx;1 rue A\n',
    options: { addressColumn: 'c' },
    code: 'unknown_column',
    message: /^la colonne "c" est introuvable ; en-tête : "a", "b"$/,
  },
  {
    name: 'column index out of range',
    input: 'a;b\nx;1 rue A\n',
    options: { addressColumn: 2 },
    code: 'unknown_column',
    message: /la colonne d’indice 2 \(à partir de 0\) est introuvable/,
  },
  {
    name: 'address and lon/lat both given',
    input: 'a;b\n1;2\n',
    options: { addressColumn: 0, lonColumn: 1, latColumn: 0 },
    code: 'invalid_options',
    message: /pas les deux/,
  },
  {
    name: 'lon without lat',
    input: 'a;b\n1;2\n',
    options: { lonColumn: 'a' },
    code: 'invalid_options',
    message: /seule la longitude est donnée/,
  },
];
for (const e of ERRORS) {
  test(`bulk input refused: ${e.name}`, () => {
    assert.throws(
      () => parseBulkInput(Buffer.isBuffer(e.input) ? e.input : Buffer.from(e.input), e.options),
      (err: unknown) => {
        assert.ok(err instanceof BulkInputError);
        assert.equal(err.code, e.code);
        assert.match(err.message, e.message);
        return true;
      },
    );
  });
}

test('bulk input from a file: read, and refused over 50 MB before reading', async () => {
  const path = join(dir, 'in.csv');
  writeFileSync(path, 'adresse\n1 rue A\n');
  const got = await parseBulkInputFile(path);
  assert.deepEqual([...got.rows].map(short), [[2, '1 rue A']]);
  const big = join(dir, 'big.csv');
  writeFileSync(big, '');
  truncateSync(big, BULK_INPUT_MAX_BYTES + 1024 * 1024); // sparse: costs no disk
  await assert.rejects(parseBulkInputFile(big), { code: 'file_too_large', message: /51\.0 Mo/ });
});

test('bulk input: 100,000 rows over several decoding chunks, every row once, in order, iterable twice', () => {
  const lines = ['numéro;voie;commune'];
  for (let i = 1; i <= 100_000; i++)
    lines.push(i % 1000 === 0 ? `${i};"allée ""${i}""\nsuite";Orléans` : `${i};rue Émile-Zola ${i};Besançon`);
  const bytes = Buffer.from(lines.join('\n'));
  assert.ok(bytes.length > 3 << 20, 'more than three 1 MB chunks');
  const got = parseBulkInput(bytes);
  let n = 0;
  let line = 2;
  for (const r of got.rows) {
    n++;
    const want = n % 1000 === 0 ? `${n} allée "${n}" suite, Orléans` : `${n} rue Émile-Zola ${n}, Besançon`;
    if (r.line !== line || r.address !== want)
      assert.fail(`row ${n}: ${JSON.stringify(r)}, want line ${line}: ${want}`);
    line += n % 1000 === 0 ? 2 : 1;
  }
  assert.equal(n, 100_000);
  assert.equal(got.countRows(), 100_000);
  const again = [...got.rows];
  assert.equal(again.length, 100_000);
  assert.deepEqual(short(again[again.length - 1]!), [100_100, '100000 allée "100000" suite, Orléans']);
});
