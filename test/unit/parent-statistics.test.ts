import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARENT_ANALYZE_MAX_PARTITIONS, shouldAnalyzeParent } from '../../src/ingest/parent-statistics.js';

test('a parent of a few partitions is analysed at each import; a bigger one while it lacks statistics', () => {
  const max = PARENT_ANALYZE_MAX_PARTITIONS;
  // a département, or a few: every import, statistics or not
  for (const parts of [0, 1, max]) {
    assert.equal(shouldAnalyzeParent(parts, 3, 3), true, `${parts} partitions`);
    assert.equal(shouldAnalyzeParent(parts, 0, 3), true, `${parts} partitions, none yet`);
  }
  // a whole country: once, then only when a column has none (a column added to the list)
  assert.equal(shouldAnalyzeParent(max + 1, 3, 3), false);
  assert.equal(shouldAnalyzeParent(101, 3, 3), false);
  assert.equal(shouldAnalyzeParent(101, 0, 3), true);
  assert.equal(shouldAnalyzeParent(101, 2, 3), true);
});
