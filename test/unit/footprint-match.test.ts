import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, type Decision, type Pair } from '../../src/ids/footprint-match.js';

const p = (old: string, nw: string, coverOld: number, coverNew: number): Pair => ({
  old,
  new: nw,
  coverOld,
  coverNew,
});
const sortD = (ds: Decision[]) => [...ds].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const CASES: { name: string; olds: string[]; news: string[]; pairs: Pair[]; want: Decision[] }[] = [
  {
    name: 'same building, jittered',
    olds: ['A'],
    news: ['a'],
    pairs: [p('A', 'a', 0.97, 0.98)],
    want: [{ kind: 'same', old: 'A', new: 'a' }],
  },
  {
    name: 'exactly at the 85% bound is the same',
    olds: ['A'],
    news: ['a'],
    pairs: [p('A', 'a', 0.85, 0.85)],
    want: [{ kind: 'same', old: 'A', new: 'a' }],
  },
  {
    name: 'between 10% and 85%: conflict, never guessed',
    olds: ['A'],
    news: ['a'],
    pairs: [p('A', 'a', 0.6, 0.9)],
    want: [{ kind: 'conflict', olds: ['A'], news: ['a'], pairs: [p('A', 'a', 0.6, 0.9)] }],
  },
  {
    name: 'both below 10%: different buildings (a demolition and a creation)',
    olds: ['A'],
    news: ['a'],
    pairs: [p('A', 'a', 0.05, 0.09)],
    want: [
      { kind: 'creation', new: 'a' },
      { kind: 'demolition', old: 'A' },
    ],
  },
  { name: 'new footprint alone', olds: [], news: ['a'], pairs: [], want: [{ kind: 'creation', new: 'a' }] },
  { name: 'old building gone', olds: ['A'], news: [], pairs: [], want: [{ kind: 'demolition', old: 'A' }] },
  {
    name: 'split in two halves',
    olds: ['A'],
    news: ['a1', 'a2'],
    pairs: [p('A', 'a1', 0.5, 0.99), p('A', 'a2', 0.48, 0.98)],
    want: [{ kind: 'split', old: 'A', news: ['a1', 'a2'] }],
  },
  {
    name: 'merge of two',
    olds: ['A', 'B'],
    news: ['ab'],
    pairs: [p('A', 'ab', 0.99, 0.51), p('B', 'ab', 0.97, 0.47)],
    want: [{ kind: 'merge', olds: ['A', 'B'], new: 'ab' }],
  },
  {
    name: 'a split that loses half the parent is a conflict',
    olds: ['A'],
    news: ['a1', 'a2'],
    pairs: [p('A', 'a1', 0.3, 0.99), p('A', 'a2', 0.3, 0.98)],
    want: [
      {
        kind: 'conflict',
        olds: ['A'],
        news: ['a1', 'a2'],
        pairs: [p('A', 'a1', 0.3, 0.99), p('A', 'a2', 0.3, 0.98)],
      },
    ],
  },
  {
    name: 'independent neighbours stay independent',
    olds: ['A', 'B'],
    news: ['a', 'b'],
    pairs: [p('A', 'a', 0.95, 0.96), p('B', 'b', 0.9, 0.92), p('A', 'b', 0.0, 0.0)],
    want: [
      { kind: 'same', old: 'A', new: 'a' },
      { kind: 'same', old: 'B', new: 'b' },
    ],
  },
];

for (const c of CASES) {
  test(`footprint match: ${c.name}`, () =>
    assert.deepEqual(sortD(classify(c.olds, c.news, c.pairs)), sortD(c.want)));
}
