import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Progress } from '../../src/cli/progress.js';
import { millesimeFromPath } from '../../src/ingest/import-dir.js';
import { guessEncoding } from '../../src/ingest/csv/csv-file.js';

test('progress: plain lines every 10% on a non-TTY, per table', () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  const p = new Progress(sink, false);
  const big = 100 << 20;
  for (const label of ['parcelle', 'adresse'])
    for (let d = 0; d <= big; d += big / 20) p.update(label, d, big);
  const lines = out.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('parcelle:')).length, 9);
  assert.equal(lines.filter((l) => l.startsWith('adresse:')).length, 9);
  assert.equal(lines[0], 'parcelle: 10%');
});

const PATHS: [string, string | null][] = [
  ['/data/bdnb_millesime_2023-11-a_dep03/csv', '2023-11.a'],
  ['/data/open_data_millesime_2024-10-a_dep38_csv', '2024-10.a'],
  ['/data/bdnb_2022_07', '2022-07'],
  ['/data/export', null],
];
for (const [path, want] of PATHS) {
  test(`millésime read from the path ${path}`, () => assert.equal(millesimeFromPath(path), want));
}

test('encoding: UTF-8 unless invalid bytes and no valid multi-byte character', () => {
  assert.equal(guessEncoding(Buffer.from('Montluçon,Vichy', 'utf8')), 'utf-8');
  assert.equal(guessEncoding(Buffer.from('Montlu\xe7on,Vichy', 'latin1')), 'windows-1252');
  assert.equal(
    guessEncoding(Buffer.concat([Buffer.from('Montluçon ', 'utf8'), Buffer.from([0xe7])])),
    'utf-8',
  );
  assert.equal(guessEncoding(Buffer.from('plain ascii')), 'utf-8');
});
