import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/server/errors.js';
import type { AttributeValue } from '../../src/dynamodb/types.js';
import {
  addNumbers, attributeValueSize, compareNumbers, compareValues, itemSize, normalizeAttributeValue, normalizeItemValues, normalizeNumber,
  numberSize, validateAttributeValue, validateItemValues, valuesEqual,
} from '../../src/dynamodb/values.js';

const INVALID = 'One or more parameter values were invalid: ';
const NOT_NUMERIC = 'The parameter cannot be converted to a numeric value';
const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
const UNDERFLOW = 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
const TOO_PRECISE = 'Attempting to store more than 38 significant digits in a Number';

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, 'ValidationException');
    assert.equal(e.status, 400);
    assert.equal(e.message, message);
    return true;
  });
}

describe('normalizeNumber', () => {
  const cases: [string, string][] = [
    ['01.50', '1.5'],
    ['1e2', '100'],
    ['1E2', '100'],
    ['-0', '0'],
    ['0.000', '0'],
    ['+7', '7'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['0042.1200', '42.12'],
    ['-12.3400e1', '-123.4'],
    ['1e-3', '0.001'],
    ['-1.5e-2', '-0.015'],
    ['123456789012345678901234567890.12345678', '123456789012345678901234567890.12345678'],
    ['1E125', `1${'0'.repeat(125)}`],
    ['1e-130', `0.${'0'.repeat(129)}1`],
    ['0e125', '0'],
    ['10000000000000000000000000000000000000000000', '10000000000000000000000000000000000000000000'],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want}`, () => assert.equal(normalizeNumber(input), want));
  }

  it('rejects text that is not a number, with the value echoed', () => {
    for (const bad of ['abc', '1.2.3', ' 1', '1 ', '0x10', '1e', 'NaN', 'Infinity', '-', '.', 'e5', '1e5.5', '--1']) {
      rejects(() => normalizeNumber(bad), `${NOT_NUMERIC}: ${bad}`);
    }
  });

  it('rejects the empty string with the colon and a space', () => {
    rejects(() => normalizeNumber(''), `${NOT_NUMERIC}: `);
  });

  it('range-checks the exponent in full', () => {
    rejects(() => normalizeNumber('1e126'), OVERFLOW);
    rejects(() => normalizeNumber('-1e126'), OVERFLOW);
    rejects(() => normalizeNumber('10e125'), OVERFLOW);
    assert.equal(normalizeNumber('9.9e125').length, 126);
    rejects(() => normalizeNumber('1e-131'), UNDERFLOW);
    rejects(() => normalizeNumber('-1e-131'), UNDERFLOW);
    rejects(() => normalizeNumber('1e99999999999'), OVERFLOW);
    rejects(() => normalizeNumber('1e-99999999999'), UNDERFLOW);
    rejects(() => normalizeNumber('1e2147483648'), OVERFLOW);
    rejects(() => normalizeNumber('1e-2147483648'), UNDERFLOW);
    rejects(() => normalizeNumber('1e9223372036854775808'), `${NOT_NUMERIC}: 1e9223372036854775808`);
    rejects(() => normalizeNumber('1e9223372036854775807'), OVERFLOW);
  });

  it('range-checks zero by the exponent it is written with', () => {
    rejects(() => normalizeNumber('0e126'), OVERFLOW);
    rejects(() => normalizeNumber('0e-131'), UNDERFLOW);
    assert.equal(normalizeNumber('0e-130'), '0');
  });

  it('limits precision to 38 significant digits, ignoring leading and trailing zeros', () => {
    rejects(() => normalizeNumber('123456789012345678901234567890123456789'), TOO_PRECISE);
    rejects(() => normalizeNumber('-1.23456789012345678901234567890123456789'), TOO_PRECISE);
    rejects(() => normalizeNumber('1234567890123456789012345678901234567890'), TOO_PRECISE);
    assert.equal(normalizeNumber('12345678901234567890123456789012345678'), '12345678901234567890123456789012345678');
    assert.equal(normalizeNumber('0.0012345678901234567890123456789012345678000'), '0.0012345678901234567890123456789012345678');
  });
});

describe('compareNumbers and addNumbers', () => {
  it('orders numerically with full precision', () => {
    assert.equal(compareNumbers('1', '2'), -1);
    assert.equal(compareNumbers('10', '9'), 1);
    assert.equal(compareNumbers('-10', '-9'), -1);
    assert.equal(compareNumbers('1.0', '1'), 0);
    assert.equal(compareNumbers('-0', '0'), 0);
    assert.equal(compareNumbers('0.1', '-5'), 1);
    assert.equal(compareNumbers('12345678901234567890123456789012345678', '12345678901234567890123456789012345677'), 1);
    assert.equal(compareNumbers('1e-130', '0'), 1);
    assert.equal(compareNumbers('-1e-130', '0'), -1);
    assert.equal(compareNumbers('0.12', '0.120001'), -1);
  });

  it('adds and subtracts exactly', () => {
    assert.equal(addNumbers('0.1', '0.2'), '0.3');
    assert.equal(addNumbers('5', '3', true), '2');
    assert.equal(addNumbers('3', '5', true), '-2');
    assert.equal(addNumbers('12345678901234567890123456789012345677', '1'), '12345678901234567890123456789012345678');
    assert.equal(addNumbers('-1.5', '1.5'), '0');
    assert.equal(addNumbers('1e10', '1e-10'), '10000000000.0000000001');
  });

  it('rejects a result that is not storable', () => {
    rejects(() => addNumbers('9.9e125', '9.9e125'), OVERFLOW);
    rejects(() => addNumbers('12345678901234567890123456789012345678', '0.1'), TOO_PRECISE);
  });
});

describe('numberSize', () => {
  // Measured against DynamoDB's 400 KB gate (paritysuite/dynamodb-conformance, captured 2026-08).
  const captured: [string, number][] = [
    ['0', 1], ['1', 2], ['12', 2], ['123', 3], ['1234', 3], ['12345678901234567890123456789012345678', 20],
    ['0042', 2], ['100', 2], ['1010', 3], ['0.0000001', 2], ['1E125', 2], ['1E-100', 2], ['1.5', 3], ['15', 2],
    ['1.2', 3], ['1.200', 3], ['1.234', 4], ['3.14159', 5], ['123456', 4], ['100.5', 4], ['0.15', 2], ['-42', 3], ['-0', 1],
  ];
  for (const [n, bytes] of captured) {
    it(`${n} costs ${bytes}`, () => assert.equal(numberSize(n), bytes));
  }
});

describe('validateAttributeValue', () => {
  it('accepts every well-formed type', () => {
    const ok: AttributeValue[] = [
      { S: '' }, { S: 'x' }, { N: '1' }, { B: '' }, { B: 'AQI=' }, { BOOL: false }, { NULL: true },
      { SS: ['a', ''] }, { NS: ['1', '2'] }, { BS: ['AQ==', 'Ag=='] }, { L: [] }, { M: {} },
      { L: [{ M: { a: { SS: ['x'] } } }, { N: '-1.5' }] },
    ];
    for (const v of ok) validateAttributeValue(v);
  });

  it('rejects an empty AttributeValue, also when nested or carrying unknown members', () => {
    const msg = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
    for (const v of [{}, { a: '' }, { M: { a: {} } }, { L: [{}] }, { L: [{ a: {} }] }, { S: null }]) {
      rejects(() => validateAttributeValue(v), msg);
    }
  });

  it('rejects more than one datatype', () => {
    rejects(() => validateAttributeValue({ S: 'a', N: '1' }),
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  });

  it('checks each datatype before counting them', () => {
    rejects(() => validateAttributeValue({ S: 'a', N: 'b' }), `${NOT_NUMERIC}: b`);
  });

  it('rejects NULL that is not true', () => {
    rejects(() => validateAttributeValue({ NULL: false }), `${INVALID}Null attribute value types must have the value of true`);
  });

  it('rejects empty sets with AWS wording per type', () => {
    rejects(() => validateAttributeValue({ SS: [] }), `${INVALID}An string set  may not be empty`);
    rejects(() => validateAttributeValue({ NS: [] }), `${INVALID}An number set  may not be empty`);
    rejects(() => validateAttributeValue({ BS: [] }), `${INVALID}Binary sets should not be empty`);
  });

  it('lists duplicate string-set members quoted, sorted up to the repeat', () => {
    rejects(() => validateAttributeValue({ SS: ['a', 'a'] }), `${INVALID}Input collection ["a", "a"] contains duplicates.`);
    rejects(() => validateAttributeValue({ SS: ['b', 'a', 'b'] }), `${INVALID}Input collection ["a", "b", "b"] contains duplicates.`);
    rejects(() => validateAttributeValue({ SS: ['c', 'a', 'c', 'b'] }), `${INVALID}Input collection ["a", "c", "c", "b"] contains duplicates.`);
  });

  it('lists duplicate binary-set members in byte order, without spaces', () => {
    rejects(() => validateAttributeValue({ BS: ['/w==', 'AA==', 'AA=='] }), `${INVALID}Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.`);
  });

  it('names no members of a number set with duplicates, numerically equal included', () => {
    rejects(() => validateAttributeValue({ NS: ['2', '1', '2'] }), `${INVALID}Input collection contains duplicates.`);
    rejects(() => validateAttributeValue({ NS: ['1', '1.0'] }), `${INVALID}Input collection contains duplicates.`);
  });

  it('checks every number-set member', () => {
    rejects(() => validateAttributeValue({ NS: ['1', ''] }), `${NOT_NUMERIC}: `);
    rejects(() => validateAttributeValue({ NS: ['1', 'b'] }), `${NOT_NUMERIC}: b`);
    rejects(() => validateAttributeValue({ NS: ['1', '1e126'] }), OVERFLOW);
  });

  it('checks numbers in lists and maps', () => {
    rejects(() => validateAttributeValue({ M: { x: { L: [{ N: 'abc' }] } } }), `${NOT_NUMERIC}: abc`);
    rejects(() => validateAttributeValue({ L: [{ N: '1e-131' }] }), UNDERFLOW);
  });

  it('caps nesting at 32 levels, counting the attribute itself', () => {
    const deep = (n: number): AttributeValue => {
      let v: AttributeValue = { S: 'leaf' };
      for (let i = 0; i < n; i++) v = { M: { n: v } };
      return v;
    };
    validateAttributeValue(deep(31));
    rejects(() => validateAttributeValue(deep(32)),
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit');
  });

  it('validates every attribute of an item', () => {
    validateItemValues({ a: { S: 'x' }, b: { N: '2' } });
    rejects(() => validateItemValues({ a: { S: 'x' }, b: { SS: [] } }), `${INVALID}An string set  may not be empty`);
  });

  it('reports a wrongly typed member as a SerializationException', () => {
    assert.throws(() => validateAttributeValue({ S: 5 }), (e: unknown) => e instanceof AwsError && e.code === 'SerializationException');
  });
});

describe('normalizeAttributeValue', () => {
  it('normalizes numbers at any depth', () => {
    assert.deepEqual(
      normalizeAttributeValue({ M: { a: { N: '01.0' }, b: { NS: ['1e1', '-0'] }, c: { L: [{ N: '2.50' }, { S: '01' }] } } }),
      { M: { a: { N: '1' }, b: { NS: ['10', '0'] }, c: { L: [{ N: '2.5' }, { S: '01' }] } } },
    );
  });

  it('keeps only the type member', () => {
    const stray = { S: 'x', N: null, extra: 1 } as unknown as AttributeValue;
    assert.deepEqual(normalizeAttributeValue(stray), { S: 'x' });
    assert.deepEqual(normalizeItemValues({ a: { L: [stray] }, b: { NULL: true } }), { a: { L: [{ S: 'x' }] }, b: { NULL: true } });
  });
});

describe('compareValues and valuesEqual', () => {
  it('orders strings by UTF-8 bytes (code points), not UTF-16 units', () => {
    assert.equal(compareValues({ S: 'a' }, { S: 'b' }), -1);
    assert.equal(compareValues({ S: 'b' }, { S: 'a' }), 1);
    assert.equal(compareValues({ S: 'ab' }, { S: 'a' }), 1);
    assert.equal(compareValues({ S: 'Z' }, { S: 'a' }), -1);
    // U+FF21 (3 UTF-8 bytes, one UTF-16 unit) sorts before U+1F600 (4 bytes, a surrogate pair).
    assert.equal(compareValues({ S: '\uFF21' }, { S: '\u{1F600}' }), -1);
  });

  it('orders numbers numerically and binaries as unsigned bytes', () => {
    assert.equal(compareValues({ N: '10' }, { N: '9' }), 1);
    assert.equal(compareValues({ N: '-1' }, { N: '1' }), -1);
    assert.equal(compareValues({ B: '/w==' }, { B: 'AA==' }), 1); // 0xff > 0x00
    assert.equal(compareValues({ B: 'AQI=' }, { B: 'AQ==' }), 1); // longer with same prefix
  });

  it('has no order across types or for unordered types', () => {
    assert.equal(compareValues({ S: '1' }, { N: '1' }), undefined);
    assert.equal(compareValues({ BOOL: true }, { BOOL: false }), undefined);
    assert.equal(compareValues({ L: [] }, { L: [] }), undefined);
  });

  it('compares deeply, sets without order, numbers by value', () => {
    assert.ok(valuesEqual({ N: '1.0' }, { N: '1' }));
    assert.ok(valuesEqual({ SS: ['a', 'b'] }, { SS: ['b', 'a'] }));
    assert.ok(!valuesEqual({ SS: ['a', 'b'] }, { SS: ['a'] }));
    assert.ok(valuesEqual({ NS: ['1', '2'] }, { NS: ['2.0', '1'] }));
    assert.ok(valuesEqual({ BS: ['AQ==', 'Ag=='] }, { BS: ['Ag==', 'AQ=='] }));
    assert.ok(valuesEqual({ L: [{ S: 'a' }, { N: '1' }] }, { L: [{ S: 'a' }, { N: '1' }] }));
    assert.ok(!valuesEqual({ L: [{ S: 'a' }, { N: '1' }] }, { L: [{ N: '1' }, { S: 'a' }] }));
    assert.ok(valuesEqual({ M: { a: { S: 'x' }, b: { NULL: true } } }, { M: { b: { NULL: true }, a: { S: 'x' } } }));
    assert.ok(!valuesEqual({ M: { a: { S: 'x' } } }, { M: { a: { S: 'x' }, b: { S: 'y' } } }));
    assert.ok(!valuesEqual({ S: '1' }, { N: '1' }));
    assert.ok(valuesEqual({ BOOL: true }, { BOOL: true }));
    assert.ok(!valuesEqual({ BOOL: true }, { BOOL: false }));
    assert.ok(valuesEqual({ NULL: true }, { NULL: true }));
  });
});

describe('itemSize', () => {
  it('counts UTF-8 bytes of names and strings', () => {
    assert.equal(itemSize({ a: { S: 'abc' } }), 4);
    assert.equal(itemSize({ 'é': { S: '€' } }), 2 + 3);
    assert.equal(itemSize({}), 0);
  });

  it('counts numbers, binaries, booleans and nulls', () => {
    assert.equal(itemSize({ n: { N: '3.14159' } }), 1 + 5);
    assert.equal(itemSize({ b: { B: 'AQID' } }), 1 + 3);
    assert.equal(itemSize({ t: { BOOL: true }, z: { NULL: true } }), 2 + 2);
  });

  it('sums set members', () => {
    assert.equal(attributeValueSize({ SS: ['ab', 'c'] }), 3);
    assert.equal(attributeValueSize({ NS: ['1', '123'] }), 2 + 3);
    assert.equal(attributeValueSize({ BS: ['AQ==', 'AQI='] }), 3);
  });

  it('charges lists and maps 3 bytes plus 1 per element', () => {
    assert.equal(attributeValueSize({ L: [] }), 3);
    assert.equal(attributeValueSize({ M: {} }), 3);
    assert.equal(attributeValueSize({ L: [{ S: 'ab' }, { N: '1' }] }), 3 + (1 + 2) + (1 + 2));
    assert.equal(attributeValueSize({ M: { ab: { S: 'xyz' } } }), 3 + 1 + 2 + 3);
    assert.equal(itemSize({ m: { M: { l: { L: [{ BOOL: false }] } } } }), 1 + (3 + 1 + 1 + (3 + 1 + 1)));
  });
});
