import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item } from '../../src/dynamodb/types.js';
import {
  canonicalNumberSize, itemSize, normalizeItemValues, normalizeNumber, numberSize, prepareItemValues, validateItemValues,
} from '../../src/dynamodb/values.js';

/** The three-pass route prepareItemValues must agree with: its result, or the error it throws. */
function threePass(raw: Record<string, unknown>): { item: Item; size: number } | { error: string } {
  try {
    validateItemValues(raw);
    const item = normalizeItemValues(raw as Item);
    return { item, size: itemSize(item) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function agrees(raw: Record<string, unknown>): void {
  const slow = threePass(raw);
  const fast = prepareItemValues(raw);
  if (fast === undefined) return; // the caller falls back to the three passes: nothing to compare
  assert.ok(!('error' in slow), `one pass accepted what the three passes reject (${JSON.stringify(slow)}): ${JSON.stringify(raw)}`);
  assert.deepEqual(fast, slow, JSON.stringify(raw));
}

function nested(depth: number): unknown {
  let v: unknown = { S: 'x' };
  for (let i = 1; i < depth; i++) v = { L: [v] };
  return v;
}

describe('prepareItemValues', () => {
  it('takes the usual items in one pass, with the three passes\' result', () => {
    const item = {
      id: { S: 'k1' }, n: { N: '42' }, price: { N: '1234.50' }, neg: { N: '-0.05' }, big: { N: '1e10' },
      text: { S: 'é€ x' }, bin: { B: 'AQID' }, yes: { BOOL: true }, nil: { NULL: true },
      ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '01.0', '2e0'].slice(0, 1).concat(['3']) },
      m: { M: { a: { S: 'x' }, n: { N: '7' }, l: { L: [{ N: '1' }, { M: {} }, { L: [] }] } } },
    };
    assert.ok(prepareItemValues(item));
    agrees(item);
  });

  it('falls back (or agrees) on anything unusual', () => {
    const cases: Record<string, unknown>[] = [
      { a: {} }, { a: { S: 'x', N: '1' } }, { a: { S: 'x', N: null } }, { a: { S: null } }, { a: { S: 1 } },
      { a: { N: 'x' } }, { a: { N: '1e126' } }, { a: { N: '1e-131' } }, { a: { N: '1'.repeat(39) } }, { a: { N: '-0' } },
      { a: { NULL: false } }, { a: { BOOL: 'true' } }, { a: { SS: [] } }, { a: { SS: ['a', 'a'] } }, { a: { SS: ['a', 1] } },
      { a: { NS: ['1', '1.0'] } }, { a: { NS: [] } }, { a: { NS: ['1', 'x'] } }, { a: { BS: ['AQ==', 'AQ=='] } }, { a: { BS: ['AQ=='] } },
      { a: { M: [] } }, { a: { M: null } }, { a: { L: {} } }, { a: { L: [{}] } }, { a: 'S' }, { a: null }, { a: [] },
      { a: nested(32) }, { a: nested(33) }, { a: { X: 'y' } }, { a: { N: '1' }, b: { N: 'bad' } },
    ];
    for (const c of cases) agrees(c);
    assert.equal(prepareItemValues({ a: nested(33) as Record<string, unknown> }), undefined);
    assert.ok(prepareItemValues({ a: nested(32) as Record<string, unknown> }));
  });

  it('sizes canonical numbers as numberSize does, and refuses the rest', () => {
    const texts = ['0', '-0', '1', '-1', '10', '100', '12345', '120', '-1200', '0.5', '0.05', '-0.005', '1.5', '12.25', '123.456',
      '1.50', '01', '1e2', '+1', '.5', '5.', '0.0', '1'.repeat(38), '1'.repeat(39), `0.${'0'.repeat(36)}1`, `1${'0'.repeat(37)}`];
    for (let i = 0; i < 2000; i++) {
      const int = String(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 12)));
      const frac = Math.random() < 0.5 ? '' : `.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
      texts.push(`${Math.random() < 0.3 ? '-' : ''}${int}${frac}`);
    }
    for (const t of texts) {
      const size = canonicalNumberSize(t);
      if (size === 0) continue;
      assert.equal(normalizeNumber(t), t, t);
      assert.equal(size, numberSize(t), t);
    }
    assert.equal(canonicalNumberSize('1.50'), 0);
    assert.equal(canonicalNumberSize('-0'), 0);
    assert.equal(canonicalNumberSize('1234.5'), numberSize('1234.5'));
  });
});
