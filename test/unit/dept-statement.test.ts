import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inDept } from '../../src/store/dept-statement.js';

test('inDept: the département becomes a literal, the other parameters move down one', () => {
  const sql = 'SELECT * FROM t WHERE d = $1 AND a = $2 AND b = $3 AND c IN ($10, $11, $2)';
  const [name, text, params] = inDept('lookup', sql, ['2A', 'x', 'y', 4, 5, 6, 7, 8, 9, 'ten', 'eleven']);
  assert.equal(name, 'lookup_2a');
  assert.equal(text, "SELECT * FROM t WHERE d = '2A' AND a = $1 AND b = $2 AND c IN ($9, $10, $1)");
  assert.deepEqual(params, ['x', 'y', 4, 5, 6, 7, 8, 9, 'ten', 'eleven']);
  // one statement per département, each under its own name
  assert.deepEqual(inDept('lookup', sql, ['974', 'x']).slice(0, 2), [
    'lookup_974',
    "SELECT * FROM t WHERE d = '974' AND a = $1 AND b = $2 AND c IN ($9, $10, $1)",
  ]);
});

test('inDept: anything but a département code is refused before it reaches SQL', () => {
  for (const bad of ["03' OR '1'='1", '3', '', '2C', '977', ' 03', '03;'])
    assert.throws(() => inDept('lookup', 'SELECT $1', [bad]), /not a département code/, bad);
});
