import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/server/errors.js';
import type { AttributeValue, Item } from '../../src/dynamodb/types.js';
import {
  applyProjection, applyUpdate, assertAllUsed, checkUpdateKeys, evaluateCondition, keyConditionMatches, newContext,
  parseCondition, parseKeyCondition, parseProjection, parseUpdate, projectUpdated, updatedPaths,
  type ExpressionContext, type ExpressionParam,
} from '../../src/dynamodb/expressions/index.js';
import { isReservedWord } from '../../src/dynamodb/expressions/reserved-words.js';

type Values = Record<string, AttributeValue>;
type Names = Record<string, string>;

function rejects(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, 'ValidationException');
    assert.equal(e.status, 400);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

function cond(expr: string, values?: Values, names?: Names, param: ExpressionParam = 'ConditionExpression') {
  return parseCondition(expr, newContext(names, values), param);
}

function condFails(expr: string, message: string, values?: Values, names?: Names, param: ExpressionParam = 'FilterExpression'): void {
  rejects(() => cond(expr, values, names, param), `Invalid ${param}: ${message}`);
}

function matches(expr: string, item: Item | undefined, values?: Values, names?: Names): boolean {
  return evaluateCondition(cond(expr, values, names), item);
}

// ============================================================================================ context

describe('ExpressionAttributeNames / ExpressionAttributeValues', () => {
  it('passes when every name and value is used', () => {
    const ctx = newContext({ '#a': 'a' }, { ':v': { S: 'x' } });
    parseCondition('#a = :v', ctx, 'ConditionExpression');
    assertAllUsed(ctx);
  });

  it('counts uses across all the expressions of a request', () => {
    const ctx = newContext({ '#a': 'a', '#p': 'p' }, { ':v': { S: 'x' }, ':w': { N: '1' } });
    parseUpdate('SET #a = :w', ctx);
    parseCondition('b = :v', ctx, 'ConditionExpression');
    parseProjection('#p', ctx);
    assertAllUsed(ctx);
  });

  it('rejects names or values without any expression', () => {
    rejects(() => assertAllUsed(newContext({ '#a': 'a' })), 'ExpressionAttributeNames can only be specified when using expressions');
    rejects(() => assertAllUsed(newContext({}, {})), 'ExpressionAttributeNames can only be specified when using expressions');
    rejects(() => assertAllUsed(newContext(undefined, { ':v': { S: 'x' } })), 'ExpressionAttributeValues can only be specified when using expressions');
  });

  it('rejects values when only a projection could have used them', () => {
    const ctx = newContext(undefined, { ':v': { S: 'x' } });
    parseProjection('a', ctx);
    rejects(() => assertAllUsed(ctx), 'ExpressionAttributeValues can only be specified when using expressions');
  });

  it('rejects empty maps and malformed keys before parsing', () => {
    rejects(() => cond('a = :v', {}, {}), 'ExpressionAttributeNames must not be empty');
    rejects(() => cond('', { ':v': { S: 'a' } }, {}), 'ExpressionAttributeNames must not be empty');
    rejects(() => cond('a = b', undefined, { a: 'a' }), 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"');
    rejects(() => cond('a = b', {}), 'ExpressionAttributeValues must not be empty');
    rejects(() => cond('a = b', { ':b': { S: 'a' }, b: { S: 'a' } }), 'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"');
    rejects(() => cond('a = b', { ':a-b': { S: 'a' } }), 'ExpressionAttributeValues contains invalid key: Syntax error; key: ":a-b"');
  });

  it('reports an invalid value bare by default, wrapped for the older operations', () => {
    rejects(() => cond('a = :b', { ':b': { SS: [] } }), 'One or more parameter values were invalid: An string set  may not be empty');
    rejects(() => cond('a = :b', { ':b': { N: 'x' } }), 'The parameter cannot be converted to a numeric value: x');
    const wrapped = newContext(undefined, { ':b': { NS: [] } }, { valueErrors: 'wrapped' });
    rejects(() => parseCondition('a = :b', wrapped, 'FilterExpression'),
      'ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An number set  may not be empty for key :b');
    const empty = newContext(undefined, { ':b': {} as AttributeValue }, { valueErrors: 'wrapped' });
    rejects(() => parseCondition('a = :b', empty, 'FilterExpression'),
      'ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :b');
  });

  it('lists unused names, then unused values, in the order given', () => {
    const names = newContext({ '#a': 'a', '#b': 'b', '#c': 'c' }, { ':a': { S: 'a' } });
    parseCondition('#b = :a', names, 'ConditionExpression');
    rejects(() => assertAllUsed(names), 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #c}');
    const values = newContext(undefined, { ':a': { S: 'a' }, ':b': { S: 'a' }, ':c': { S: 'a' } });
    parseUpdate('remove a', values);
    parseCondition('a = :b', values, 'ConditionExpression');
    rejects(() => assertAllUsed(values), 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}');
  });

  it('does not count a placeholder that failed to resolve as used', () => {
    const ctx: ExpressionContext = newContext({ '#a': 'a' });
    rejects(() => parseCondition('#b = #a', ctx, 'ConditionExpression'),
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #b');
  });
});

// ============================================================================================ condition syntax

describe('condition syntax errors', () => {
  const syntax: [string, string, string][] = [
    ['a =', '<EOF>', '='],
    ['a b', 'b', 'a b'],
    ['a = :v b', 'b', ':v b'],
    ['things are not gonna be ok', 'are', 'things are not'],
    ['a > 4', '4', '> 4'],
    ['(a = :v', '<EOF>', ':v'],
    ['a = :v AND', '<EOF>', 'AND'],
    ['a', '<EOF>', 'a'],
    ['(a)', '<EOF>', ')'],
    ['NOT a', '<EOF>', 'a'],
    ['a AND b = :v', 'AND', 'a AND b'],
    ['a IN :v', ':v', 'IN :v'],
    ['a IN ()', ')', '()'],
    ['a BETWEEN :a :b', ':b', ':a :b'],
    ['a BETWEEN :a OR :b', 'OR', ':a OR :b'],
    ['user-id = :v', '-', 'user-id'],
    ['a != :v', '!', 'a !='],
    ['begins_with(a, )', ')', ', )'],
    ['size()', ')', '()'],
    ['(size(a))[0] > a', '[', ')[0'],
    ['a.and = :v', 'and', '.and ='],
    ['and = :v', 'and', 'and ='],
    ['a[x] = :v', 'x', '[x]'],
    ['a.1 = :v', '1', '.1 ='],
    ['a = :v)', ')', ':v)'],
    ['  a', '<EOF>', 'a'],
    ['a = (b = :v)', '=', 'b = :v'],
    ['(a = :v) = b', '=', ') = b'],
    ['a = "x"', '"', '= "x'],
  ];
  for (const [expr, token, near] of syntax) {
    it(`${JSON.stringify(expr)} fails at ${token}`, () => {
      condFails(expr, `Syntax error; token: "${token}", near: "${near}"`, { ':v': { S: 'x' }, ':a': { S: 'a' }, ':b': { S: 'b' } });
    });
  }

  it('keeps leading whitespace in "near" at the start of the expression', () => {
    condFails('  1 = a', 'Syntax error; token: "1", near: "  1 ="');
  });

  it('names the parameter in the message', () => {
    rejects(() => cond('a =', undefined, undefined, 'ConditionExpression'), 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="');
    rejects(() => cond('a =', undefined, undefined, 'KeyConditionExpression'), 'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "="');
  });

  it('rejects an empty expression', () => {
    condFails('', 'The expression can not be empty;');
    rejects(() => cond('', undefined, undefined, 'ConditionExpression'), 'Invalid ConditionExpression: The expression can not be empty;');
  });

  it('rejects an expression over 4 KB, counting UTF-8 bytes', () => {
    const big = `a = :v${' '.repeat(4090)}`;
    assert.equal(Buffer.byteLength(big), 4096);
    cond(big, { ':v': { S: 'x' } });
    condFails(`${big} `, 'Expression size has exceeded the maximum allowed size; expression size: 4097', { ':v': { S: 'x' } });
    condFails(`a = :v${'é'.repeat(2046)}`, 'Expression size has exceeded the maximum allowed size; expression size: 4098');
  });

  it('accepts keywords in any case and free whitespace', () => {
    cond('a = :v and b between :v AnD :v or not c in (:v)', { ':v': { S: 'x' } });
    cond('\ta\n=\r:v', { ':v': { S: 'x' } });
    cond('a . b [ 1 ] . c = :v', { ':v': { S: 'x' } });
    cond('(a)between(b.c[45].#d)and(:a)', { ':a': { S: 'x' } }, { '#d': 'd' });
  });

  it('reports absurdly deep parentheses as redundant instead of overflowing', () => {
    condFails(`${'('.repeat(2000)}a${')'.repeat(2000)} = :v`, 'The expression has redundant parentheses;', { ':v': { S: 'x' } });
  });

  it('rejects more than 300 operators', () => {
    const values: Values = { ':v': { S: 'x' } };
    const parts = Array.from({ length: 151 }, () => 'a <> :v');
    condFails(parts.join(' AND '), 'The expression contains too many operators; operator count: 301', values);
    cond(parts.slice(1).join(' AND '), values);
  });
});

// ============================================================================================ condition semantics

describe('condition semantic errors', () => {
  it('rejects redundant parentheses', () => {
    condFails('((a = :v))', 'The expression has redundant parentheses;', { ':v': { S: 'x' } });
    condFails('((a)) = :v', 'The expression has redundant parentheses;', { ':v': { S: 'x' } });
    rejects(() => cond('((attribute_not_exists(pk)))'), 'Invalid ConditionExpression: The expression has redundant parentheses;');
    cond('(a = :v)', { ':v': { S: 'x' } });
    cond('((a = :v) AND (b = :v))', { ':v': { S: 'x' } });
    cond('(a) = (:v)', { ':v': { S: 'x' } });
  });

  it('rejects unknown functions; names are case-sensitive', () => {
    condFails('foo(a)', 'Invalid function name; function: foo');
    condFails('BEGINS_WITH(a, :v)', 'Invalid function name; function: BEGINS_WITH', { ':v': { S: 'x' } });
  });

  it('rejects functions used where they do not belong', () => {
    const cases: [string, string][] = [
      ['attribute_type(things, :a) > b', 'attribute_type'],
      ['begins_with(things, a) > b', 'begins_with'],
      ['contains(:things, c) > b', 'contains'],
      ['size(contains(a, b)) > a', 'contains'],
      ['size(things)', 'size'],
      ['a = :v AND size(things)', 'size'],
      ['NOT size(things)', 'size'],
      ['a between b and attribute_exists(things)', 'attribute_exists'],
      ['a in (b, attribute_exists(things))', 'attribute_exists'],
    ];
    for (const [expr, fn] of cases) {
      condFails(expr, `The function is not allowed to be used this way in an expression; function: ${fn}`);
    }
  });

  it('rejects reserved words as attribute names', () => {
    condFails('attribute_exists(views, #a)', 'Attribute name is a reserved keyword; reserved keyword: views');
    condFails(':a < abOrT', 'Attribute name is a reserved keyword; reserved keyword: abOrT');
    condFails('x.name = :v', 'Attribute name is a reserved keyword; reserved keyword: name', { ':v': { S: 'x' } });
    cond('#n = :v', { ':v': { S: 'x' } }, { '#n': 'name' });
  });

  it('reports the whole-expression problems in AWS order', () => {
    condFails('((foo(name)))', 'The expression has redundant parentheses;');
    condFails('foo(name) AND size(x)', 'Invalid function name; function: foo');
    condFails('size(name)', 'The function is not allowed to be used this way in an expression; function: size');
    condFails('name = :missing', 'Attribute name is a reserved keyword; reserved keyword: name');
  });

  it('rejects undefined attribute names', () => {
    const cases: [string, string][] = [
      ['attribute_exists(#Pictures.RearView, :a) and a=a', '#Pictures'],
      ['begins_with(Pictures.#RearView)', '#RearView'],
      ['(#P between :lo and :hi) and (#PC in (:cat1, :cat2))', '#P'],
      ['#4g > a', '#4g'],
      ['#_ > a', '#_'],
      ['(a)between(b.c[45].#d)and(:a)', '#d'],
    ];
    for (const [expr, name] of cases) {
      condFails(expr, `An expression attribute name used in the document path is not defined; attribute name: ${name}`);
    }
  });

  it('rejects undefined attribute values', () => {
    const cases: [string, string][] = [
      ['begins_with(:hello, #a, #b)', ':hello'],
      [':a < :b', ':a'],
      [':_ > a', ':_'],
    ];
    for (const [expr, value] of cases) {
      condFails(expr, `An expression attribute value used in expression is not defined; attribute value: ${value}`);
    }
  });

  it('rejects functions with the wrong number of operands', () => {
    const cases: [string, string, number][] = [
      ['attribute_exists(things, a) and a=a', 'attribute_exists', 2],
      ['attribute_not_exists(things, b)', 'attribute_not_exists', 2],
      ['attribute_type(things)', 'attribute_type', 1],
      ['begins_with(things)', 'begins_with', 1],
      ['begins_with(things, size(a), b)', 'begins_with', 3],
      ['contains(things)', 'contains', 1],
      ['size(things, a) > b', 'size', 2],
    ];
    for (const [expr, fn, n] of cases) {
      condFails(expr, `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${n}`);
    }
  });

  it('rejects operands of the wrong type', () => {
    const cases: [string, string, AttributeValue][] = [
      ['attribute_type(a, size(a)) and a=a and a=:a', 'attribute_type', { N: '1' }],
      ['attribute_type(a, :a)', 'attribute_type', { N: '1' }],
      ['attribute_type(a, :a)', 'attribute_type', { BOOL: true }],
      ['attribute_type(a, :a)', 'attribute_type', { SS: ['1'] }],
      ['begins_with(a, size(a)) and a=:a', 'begins_with', { N: '1' }],
      ['begins_with(a, :a)', 'begins_with', { N: '1' }],
      ['begins_with(a, :a)', 'begins_with', { NULL: true }],
      ['begins_with(a, :a)', 'begins_with', { L: [] }],
      ['begins_with(:a, a)', 'begins_with', { M: {} }],
      ['begins_with(:a, a)', 'begins_with', { NS: ['1'] }],
      ['size(size(a)) > :a', 'size', { N: '1' }],
      ['attribute_not_exists(size(:a))', 'size', { N: '1' }],
      ['size(:a) > a', 'size', { BOOL: true }],
      ['size(:a) > a', 'size', { NULL: true }],
      ['a < :a', '<', { BOOL: true }],
      [':a >= a', '>=', { BOOL: true }],
      ['a > :a', '>', { M: {} }],
      ['a <= :a', '<=', { SS: ['x'] }],
      ['a BETWEEN :a AND :a', 'BETWEEN', { BOOL: false }],
    ];
    for (const [expr, fn, value] of cases) {
      condFails(expr, `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${Object.keys(value)[0]}`, { ':a': value });
    }
    condFails('attribute_type(a, b)', 'Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
  });

  it('accepts equality and IN with any type', () => {
    cond('a = :a AND b <> :a AND c IN (:a, :a)', { ':a': { BOOL: true } });
    cond('a = :m', { ':m': { M: { x: { L: [] } } } });
  });

  it('rejects an unknown attribute type name', () => {
    condFails('attribute_type(a, :a)', 'Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}', { ':a': { S: '1' } });
    condFails('attribute_type(a, :a)', 'Invalid attribute type name found; type: s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}', { ':a': { S: 's' } });
    for (const t of ['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M']) cond('attribute_type(a, :t)', { ':t': { S: t } });
  });

  it('requires a document path where a function needs one', () => {
    condFails('attribute_exists(:a) and a=a', 'Operator or function requires a document path; operator or function: attribute_exists', { ':a': { S: '1' } });
    condFails('attribute_not_exists(size(:a))', 'Operator or function requires a document path; operator or function: attribute_not_exists', { ':a': { S: '1' } });
  });

  it('rejects operands that are the same path', () => {
    const cases: [string, string, string][] = [
      ['a = a AND #a = b AND :views > a', '=', '[a]'],
      ['#a <> a', '<>', '[a]'],
      ['a > #a', '>', '[a]'],
      ['((a=a) OR (a=a))', '=', '[a]'],
      ['contains(ab.bc[1].a, ab.bc[1].#a)', 'contains', '[ab, bc, [1], a]'],
      ['attribute_type(ab.bc[1].#a, ab.bc[1].a)', 'attribute_type', '[ab, bc, [1], a]'],
      ['begins_with(ab.bc[1].a, ab.bc[1].#a)', 'begins_with', '[ab, bc, [1], a]'],
    ];
    for (const [expr, op, path] of cases) {
      condFails(expr, `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${path}`, { ':views': { S: 'x' } }, { '#a': 'a' });
    }
    cond(':a > :a', { ':a': { N: '1' } });
    cond('a.b = a.c');
  });

  it('checks BETWEEN bounds', () => {
    condFails('a between :b and :a',
      'The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}',
      { ':a': { S: 'a' }, ':b': { N: '1' } });
    condFails('a between :b and :a',
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}',
      { ':a': { S: 'a' }, ':b': { S: 'b' } });
    condFails('a between :b and :a',
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:9}',
      { ':a': { N: '9' }, ':b': { N: '10' } });
    cond('a between :a and :a', { ':a': { N: '9' } });
  });

  it('reports the first condition, in written order, that has a problem', () => {
    const values = { ':n': { N: '1' } };
    condFails('begins_with(sk, :n) AND pk = :missing', 'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N', values);
    condFails('pk = :missing AND begins_with(sk, :n)', 'An expression attribute value used in expression is not defined; attribute value: :missing', values);
    condFails('a = :n OR NOT (b = b) OR c = :missing', 'The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [b]', values);
  });

  it('limits IN to 100 values', () => {
    const list = (n: number) => Array.from({ length: n }, () => ':v').join(', ');
    cond(`a IN (${list(100)})`, { ':v': { S: 'x' } });
    condFails(`a IN (${list(101)})`, 'The IN operator is provided with too many operands; number of operands: 101', { ':v': { S: 'x' } });
  });
});

// ============================================================================================ evaluation

describe('evaluateCondition', () => {
  const item: Item = {
    s: { S: 'hello' },
    n: { N: '10' },
    b: { B: 'AQID' },
    t: { BOOL: true },
    z: { NULL: true },
    ss: { SS: ['x', 'y'] },
    ns: { NS: ['1', '2.5'] },
    bs: { BS: ['AQ==', 'Ag=='] },
    l: { L: [{ S: 'a' }, { N: '1' }, { M: { k: { S: 'v' } } }] },
    m: { M: { inr: { M: { deep: { N: '3' } } }, lst: { L: [{ N: '7' }, { N: '8' }] } } },
    emoji: { S: 'é\u{1D11E}' },
  };
  const v = (x: AttributeValue): Values => ({ ':v': x });

  it('compares same-typed scalars', () => {
    assert.equal(matches('s = :v', item, v({ S: 'hello' })), true);
    assert.equal(matches('s = :v', item, v({ S: 'hell' })), false);
    assert.equal(matches('n = :v', item, v({ N: '10.0' })), true);
    assert.equal(matches('n < :v', item, v({ N: '9' })), false);
    assert.equal(matches('n > :v', item, v({ N: '9' })), true);
    assert.equal(matches('n >= :v', item, v({ N: '10' })), true);
    assert.equal(matches('n <= :v', item, v({ N: '1e1' })), true);
    assert.equal(matches('n < :v', item, v({ N: '100' })), true);
    assert.equal(matches('s < :v', item, v({ S: 'help' })), true);
    assert.equal(matches('b > :v', item, v({ B: 'AQI=' })), true);
    assert.equal(matches('t = :v', item, v({ BOOL: true })), true);
    assert.equal(matches('z = :v', item, v({ NULL: true })), true);
  });

  it('compares documents and sets deeply', () => {
    assert.equal(matches('ss = :v', item, v({ SS: ['y', 'x'] })), true);
    assert.equal(matches('ns = :v', item, v({ NS: ['2.50', '1'] })), true);
    assert.equal(matches('l = :v', item, v({ L: [{ S: 'a' }, { N: '1' }, { M: { k: { S: 'v' } } }] })), true);
    assert.equal(matches('m.inr = :v', item, v({ M: { deep: { N: '3' } } })), true);
    assert.equal(matches('l[2].k = :v', item, v({ S: 'v' })), true);
    assert.equal(matches('m.lst[1] = :v', item, v({ N: '8' })), true);
  });

  it('treats missing attributes and mismatched types as false, <> as true', () => {
    assert.equal(matches('nope = :v', item, v({ S: 'x' })), false);
    assert.equal(matches('nope < :v', item, v({ S: 'x' })), false);
    assert.equal(matches('n = :v', item, v({ S: '10' })), false);
    assert.equal(matches('n < :v', item, v({ S: 'zzz' })), false);
    assert.equal(matches('n > :v', item, v({ S: '' })), false);
    assert.equal(matches('nope <> :v', item, v({ S: 'x' })), true);
    assert.equal(matches('n <> :v', item, v({ S: '10' })), true);
    assert.equal(matches('n <> :v', item, v({ N: '10' })), false);
    assert.equal(matches('nope <> xyz', item), false);
    assert.equal(matches('l[9] = :v', item, v({ S: 'a' })), false);
    assert.equal(matches('s.x = :v', item, v({ S: 'a' })), false);
    assert.equal(matches('m[0] = :v', item, v({ S: 'a' })), false);
    assert.equal(matches('t < :v', item, v({ S: 'a' })), false);
  });

  it('evaluates against a missing item', () => {
    assert.equal(matches('attribute_not_exists(pk)', undefined), true);
    assert.equal(matches('attribute_exists(pk)', undefined), false);
    assert.equal(matches('pk = :v', undefined, v({ S: 'x' })), false);
    assert.equal(matches('pk <> :v', undefined, v({ S: 'x' })), true);
  });

  it('evaluates BETWEEN inclusively and only within one type', () => {
    const lohi = (lo: AttributeValue, hi: AttributeValue): Values => ({ ':lo': lo, ':hi': hi });
    assert.equal(matches('n BETWEEN :lo AND :hi', item, lohi({ N: '10' }, { N: '20' })), true);
    assert.equal(matches('n BETWEEN :lo AND :hi', item, lohi({ N: '1' }, { N: '10' })), true);
    assert.equal(matches('n BETWEEN :lo AND :hi', item, lohi({ N: '11' }, { N: '20' })), false);
    assert.equal(matches('s BETWEEN :lo AND :hi', item, lohi({ S: 'h' }, { S: 'i' })), true);
    assert.equal(matches('s BETWEEN :lo AND :hi', item, lohi({ N: '1' }, { N: '2' })), false);
    assert.equal(matches('nope BETWEEN :lo AND :hi', item, lohi({ N: '1' }, { N: '2' })), false);
  });

  it('evaluates IN', () => {
    const vals: Values = { ':a': { N: '1' }, ':b': { N: '10' }, ':c': { S: '10' } };
    assert.equal(matches('n IN (:a, :b)', item, vals), true);
    assert.equal(matches('n IN (:a, :c)', item, vals), false);
    assert.equal(matches('nope IN (:a, :c)', item, vals), false);
  });

  it('evaluates AND, OR, NOT with AWS precedence (NOT > AND > OR) and parentheses', () => {
    const T = 'attribute_exists(s)';
    const F = 'attribute_exists(nope)';
    assert.equal(matches(`${T} OR ${T} AND ${F}`, item), true);
    assert.equal(matches(`(${T} OR ${T}) AND ${F}`, item), false);
    assert.equal(matches(`${F} AND ${F} OR ${T}`, item), true);
    assert.equal(matches(`NOT ${F} AND ${F}`, item), false);
    assert.equal(matches(`NOT (${F} AND ${F})`, item), true);
    assert.equal(matches(`NOT NOT ${T}`, item), true);
    assert.equal(matches(`NOT ${T} OR ${T}`, item), true);
    assert.equal(matches(`${F} OR NOT ${F} AND ${T}`, item), true);
  });

  it('evaluates attribute_exists, attribute_not_exists and attribute_type', () => {
    assert.equal(matches('attribute_exists(m.inr.deep)', item), true);
    assert.equal(matches('attribute_exists(m.inr.nope)', item), false);
    assert.equal(matches('attribute_not_exists(l[5])', item), true);
    assert.equal(matches('attribute_exists(z)', item), true);
    const types: [string, string][] = [['s', 'S'], ['n', 'N'], ['b', 'B'], ['t', 'BOOL'], ['z', 'NULL'], ['ss', 'SS'], ['ns', 'NS'], ['bs', 'BS'], ['l', 'L'], ['m', 'M']];
    for (const [attr, type] of types) {
      assert.equal(matches(`attribute_type(${attr}, :t)`, item, { ':t': { S: type } }), true, `${attr} is ${type}`);
      assert.equal(matches(`attribute_type(${attr}, :t)`, item, { ':t': { S: type === 'S' ? 'N' : 'S' } }), false);
    }
    assert.equal(matches('attribute_type(nope, :t)', item, { ':t': { S: 'S' } }), false);
  });

  it('evaluates begins_with on strings and binaries', () => {
    assert.equal(matches('begins_with(s, :v)', item, v({ S: 'he' })), true);
    assert.equal(matches('begins_with(s, :v)', item, v({ S: 'hello' })), true);
    assert.equal(matches('begins_with(s, :v)', item, v({ S: 'lo' })), false);
    assert.equal(matches('begins_with(b, :v)', item, v({ B: 'AQI=' })), true);
    assert.equal(matches('begins_with(b, :v)', item, v({ B: 'Ag==' })), false);
    assert.equal(matches('begins_with(b, :v)', item, v({ S: 'x' })), false);
    assert.equal(matches('begins_with(nope, :v)', item, v({ S: 'x' })), false);
  });

  it('evaluates contains on strings, sets, lists and binaries', () => {
    assert.equal(matches('contains(s, :v)', item, v({ S: 'ell' })), true);
    assert.equal(matches('contains(s, :v)', item, v({ S: 'xyz' })), false);
    assert.equal(matches('contains(ss, :v)', item, v({ S: 'x' })), true);
    assert.equal(matches('contains(ss, :v)', item, v({ S: 'z' })), false);
    assert.equal(matches('contains(ns, :v)', item, v({ N: '2.50' })), true);
    assert.equal(matches('contains(ns, :v)', item, v({ S: '1' })), false);
    assert.equal(matches('contains(bs, :v)', item, v({ B: 'Ag==' })), true);
    assert.equal(matches('contains(l, :v)', item, v({ N: '1.0' })), true);
    assert.equal(matches('contains(l, :v)', item, v({ M: { k: { S: 'v' } } })), true);
    assert.equal(matches('contains(l, :v)', item, v({ S: 'b' })), false);
    assert.equal(matches('contains(b, :v)', item, v({ B: 'AgM=' })), true);
    assert.equal(matches('contains(n, :v)', item, v({ N: '1' })), false);
    assert.equal(matches('contains(nope, :v)', item, v({ S: 'x' })), false);
  });

  it('evaluates size in UTF-16 units for strings, bytes for binaries, members otherwise', () => {
    const sizes: [string, string][] = [['s', '5'], ['b', '3'], ['ss', '2'], ['ns', '2'], ['bs', '2'], ['l', '3'], ['m', '2'], ['emoji', '3'], ['m.lst', '2']];
    for (const [attr, n] of sizes) {
      assert.equal(matches(`size(${attr}) = :v`, item, v({ N: n })), true, `size(${attr}) = ${n}`);
    }
    assert.equal(matches('size(n) = :v', item, v({ N: '2' })), false);
    assert.equal(matches('size(t) >= :v', item, v({ N: '0' })), false);
    assert.equal(matches('size(nope) >= :v', item, v({ N: '0' })), false);
    assert.equal(matches('size(s) BETWEEN :lo AND :hi', item, { ':lo': { N: '1' }, ':hi': { N: '5' } }), true);
    assert.equal(matches('size(s) > size(l)', item), true);
  });

  it('compares two paths and two values', () => {
    assert.equal(matches('n > m.inr.deep', item), true);
    assert.equal(matches(':a = :b', item, { ':a': { N: '1' }, ':b': { N: '1.0' } }), true);
  });

  it('uses full 38-digit precision', () => {
    const big: Item = { x: { N: '12345678901234567890123456789012345678' } };
    assert.equal(matches('x > :v', big, v({ N: '12345678901234567890123456789012345677' })), true);
    assert.equal(matches('x = :v', big, v({ N: '12345678901234567890123456789012345677' })), false);
  });

  it('resolves #names containing dots as single attribute names', () => {
    const dotted: Item = { 'a.b': { S: 'flat' }, a: { M: { b: { S: 'nested' } } } };
    assert.equal(matches('#ab = :v', dotted, v({ S: 'flat' }), { '#ab': 'a.b' }), true);
    assert.equal(matches('a.b = :v', dotted, v({ S: 'nested' })), true);
    assert.equal(matches('#a.#b = :v', dotted, v({ S: 'nested' }), { '#a': 'a', '#b': 'b' }), true);
  });
});

// ============================================================================================ key conditions

describe('parseKeyCondition', () => {
  const hashOnly = { hash: 'pk' };
  const composite = { hash: 'pk', range: 'sk' };
  const types: Record<string, 'S' | 'N' | 'B'> = { pk: 'S', sk: 'N', bk: 'B', s2: 'S' };
  const vals: Values = { ':p': { S: 'p' }, ':a': { N: '1' }, ':b': { N: '5' }, ':s': { S: 'x' } };
  const kc = (expr: string, schema: { hash: string; range?: string } = composite, values: Values = vals, names?: Names) =>
    parseKeyCondition(expr, newContext(names, values), schema, types);
  const fails = (expr: string, message: string, schema: { hash: string; range?: string } = composite, values: Values = vals) =>
    rejects(() => kc(expr, schema, values), message);

  it('parses the hash condition alone', () => {
    assert.deepEqual(kc('pk = :p', hashOnly), { hashName: 'pk', hashValue: { S: 'p' } });
    assert.deepEqual(kc('#k = :p', hashOnly, vals, { '#k': 'pk' }), { hashName: 'pk', hashValue: { S: 'p' } });
    assert.deepEqual(kc(':p = pk', composite), { hashName: 'pk', hashValue: { S: 'p' } });
  });

  it('parses every sort-key operator, either way round', () => {
    const ops: [string, string, AttributeValue[]][] = [
      ['sk = :a', '=', [{ N: '1' }]],
      ['sk < :a', '<', [{ N: '1' }]],
      ['sk <= :a', '<=', [{ N: '1' }]],
      ['sk > :a', '>', [{ N: '1' }]],
      ['sk >= :a', '>=', [{ N: '1' }]],
      [':a < sk', '>', [{ N: '1' }]],
      [':a >= sk', '<=', [{ N: '1' }]],
      ['sk BETWEEN :a AND :b', 'BETWEEN', [{ N: '1' }, { N: '5' }]],
    ];
    for (const [expr, op, values] of ops) {
      assert.deepEqual(kc(`pk = :p AND ${expr}`), { hashName: 'pk', hashValue: { S: 'p' }, range: { name: 'sk', op, values } }, expr);
      assert.deepEqual(kc(`${expr} AND pk = :p`).range, { name: 'sk', op, values });
    }
    const s = kc('pk = :p AND begins_with(s2, :s)', { hash: 'pk', range: 's2' }, vals);
    assert.equal(s.range?.op, 'begins_with');
    assert.deepEqual(kc('(pk = :p) AND (sk > :a)').range?.op, '>');
  });

  it('normalizes key values', () => {
    assert.deepEqual(kc('pk = :p AND sk = :x', composite, { ':p': { S: 'p' }, ':x': { N: '01.50' } }).range?.values, [{ N: '1.5' }]);
  });

  it('rejects operators a key condition cannot use', () => {
    const cases: [string, string][] = [
      ['a > b and size(b) > c or a > c', 'OR'],
      ['a in (b, size(c), d)', 'IN'],
      ['attribute_exists(a)', 'attribute_exists'],
      ['attribute_not_exists(a)', 'attribute_not_exists'],
      ['contains(a.d, b)', 'contains'],
      ['not a > b', 'NOT'],
      ['a <> b', '<>'],
    ];
    for (const [expr, op] of cases) fails(expr, `Invalid operator used in KeyConditionExpression: ${op}`);
    fails('attribute_type(a, :t)', 'Invalid operator used in KeyConditionExpression: attribute_type', composite, { ':t': { S: 'S' } });
  });

  it('requires the key attribute first in BETWEEN and begins_with', () => {
    fails(':a between size(b) and size(a) and b > :b', 'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
    fails('begins_with(:s, b) and a > :b', 'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand');
  });

  it('rejects nested operations, multiple names, nested attributes and missing attributes', () => {
    for (const e of ['size(b) > a AND a.b > b AND b > c', 'a > size(b.d)', 'a between size(b) and size(a)']) {
      fails(e, 'Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations');
    }
    for (const e of ['b > a.b', 'b between c[1] and d', 'begins_with(a, b)']) {
      fails(e, 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
    }
    for (const e of ['b.d > a AND c.d > e.f', 'a.d > c', 'b[0] > a']) {
      fails(e, 'Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes');
    }
    for (const e of [':b > :a AND a < :b', ':a > b AND :a < :b']) {
      fails(e, 'Invalid condition in KeyConditionExpression: No key attribute specified');
    }
  });

  it('allows one condition per key', () => {
    fails('pk = :p AND sk > :a AND sk < :b', 'Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key');
    fails('(pk = :p and sk > :a) and (sk > :a and pk = :p)', 'Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key');
  });

  it('checks the conditions against the key schema', () => {
    fails('pk = :p AND sk > :a AND extra = :b', 'The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)');
    fails('pk = :p AND sk > :a', 'The number of query conditions (2) exceeds the number of key attributes defined in the schema (1)', hashOnly);
    fails('sk = :a', 'Query condition missed key schema element: pk');
    fails('xyz = :a', 'Query condition missed key schema element: pk', hashOnly);
    fails('pk = :p AND xyz = :a', 'Query condition missed key schema element: sk');
    fails('pk > :p', 'Query key condition not supported', hashOnly);
    fails('pk BETWEEN :p AND :p', 'Query key condition not supported', hashOnly);
    fails('begins_with(pk, :p)', 'Query key condition not supported', hashOnly);
  });

  it('checks value types against the attribute definitions', () => {
    const schema = 'One or more parameter values were invalid: Condition parameter type does not match schema type';
    fails('pk = :a', schema, hashOnly);
    fails('pk = :p AND sk = :s', schema);
    fails('pk = :p AND sk BETWEEN :a AND :s', 'Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}');
    fails('pk = :p AND begins_with(sk, :s)', schema);
    fails('pk = :p AND begins_with(sk, :a)', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
    fails('pk = :p AND sk < :t', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL', composite, { ':p': { S: 'p' }, ':t': { BOOL: true } });
    fails('pk = :p AND sk = :t', schema, composite, { ':p': { S: 'p' }, ':t': { BOOL: true } });
    kc('pk = :p AND begins_with(bk, :x)', { hash: 'pk', range: 'bk' }, { ':p': { S: 'p' }, ':x': { B: 'AQ==' } });
  });

  it('reports expression errors before key-schema errors', () => {
    fails('begins_with(sk, :a) AND pk = :missing', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
    fails('pk = :missing AND begins_with(sk, :a)', 'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing');
  });

  it('matches items', () => {
    const c = kc('pk = :p AND sk BETWEEN :a AND :b');
    assert.equal(keyConditionMatches(c, { pk: { S: 'p' }, sk: { N: '3' } }), true);
    assert.equal(keyConditionMatches(c, { pk: { S: 'p' }, sk: { N: '6' } }), false);
    assert.equal(keyConditionMatches(c, { pk: { S: 'q' }, sk: { N: '3' } }), false);
    const b = kc('pk = :p AND begins_with(s2, :s)', { hash: 'pk', range: 's2' });
    assert.equal(keyConditionMatches(b, { pk: { S: 'p' }, s2: { S: 'xyz' } }), true);
    assert.equal(keyConditionMatches(b, { pk: { S: 'p' }, s2: { S: 'yz' } }), false);
    const lt = kc(':a < sk AND pk = :p');
    assert.equal(keyConditionMatches(lt, { pk: { S: 'p' }, sk: { N: '2' } }), true);
    assert.equal(keyConditionMatches(lt, { pk: { S: 'p' }, sk: { N: '1' } }), false);
  });
});

// ============================================================================================ update parsing

describe('parseUpdate errors', () => {
  const upd = (expr: string, values?: Values, names?: Names) => parseUpdate(expr, newContext(names, values));
  const fails = (expr: string, message: string | RegExp, values?: Values, names?: Names) =>
    rejects(() => upd(expr, values, names), typeof message === 'string' ? `Invalid UpdateExpression: ${message}` : message);

  it('reports syntax errors with the offending token and its neighbours', () => {
    const cases: [string, string, string][] = [
      ['INVALID SYNTAX HERE', 'INVALID', 'INVALID SYNTAX'],
      ['SET attrName = 3', '3', '= 3'],
      ['SET MyStr[ 3', '<EOF>', '3'],
      ['SET MyStr[3 )', ')', '3 )'],
      ['SET MyStr[3)', ')', '3)'],
      ['SET 2', '2', 'SET 2'],
      ['2', '2', '2'],
      ['SET )', ')', 'SET )'],
      ['SET ) 3', ')', 'SET ) 3'],
      ['SET MyStr[ 3 ', '<EOF>', '3 '],
      ['SET MyStr = (:_val', '<EOF>', ':_val'],
      ['SET MyStr = (:_val ', '<EOF>', ':_val '],
      ['SET MyStr = [:_val', '[', '= [:_val'],
      ['SET MyStr = [:_val  ', '[', '= [:_val'],
      ['SET MyStr = (:_val + (:val2', '<EOF>', ':val2'],
      ['SET MyStr = ):_val', ')', '= ):_val'],
      ['SET MyStr = ]:_val', ']', '= ]:_val'],
      ['RESET NonExistent value', 'RESET', 'RESET NonExistent'],
      ['  RESET NonExistent value', 'RESET', '  RESET NonExistent'],
      ['RESET', 'RESET', 'RESET'],
      ['SET a[0].b = 5', '5', '= 5'],
      ['SET a [  2 ]. b = 5', '5', '= 5'],
      ['SET a [  [2] ]. b = 5', '[', '[  [2'],
      ['SET a [2 1]. b = 5', '1', '2 1]'],
      ['SET #a a = 5', 'a', '#a a ='],
      ['SET MyStr = NoExist + + :_val ', '+', '+ + :_val'],
      ['SET MyStr = NoExist + - :_val ', '-', '+ - :_val'],
      ['REMOVE NoExist + ', '+', 'NoExist + '],
      ['ADD attr val foobar', 'val', 'attr val foobar'],
      ['ADD attr :val foobar', 'foobar', ':val foobar'],
      ['DELETE attr val', 'val', 'attr val'],
      ['SET path = VALUE 1', '1', 'VALUE 1'],
      ['REMOVE if_not_exists(a,b)', '(', 'if_not_exists(a'],
      ['set a', '<EOF>', 'a'],
      ['SET a = b,', '<EOF>', ','],
    ];
    for (const [expr, token, near] of cases) {
      fails(expr, `Syntax error; token: "${token}", near: "${near}"`);
    }
  });

  it('rejects malformed sections and values', () => {
    const cases = [
      'whatever', 'set a', 'add a', 'delete a', 'set a=set', 'remove a = b', 'add a = b', 'delete a = b', 'delete a b',
      'delete a if_not_exist(b)', 'add abort b', 'add a if_not_exist(b)', 'remove a b', 'set a b', 'set :a = b',
      'add :a b', 'delete :a b', 'remove :a', 'set a = b / c', 'set a = b * c', 'set a[1] = "eight"', 'set a[1] = 1',
      'SET a = if_not_exist(a, 100)', 'SET if_not_exist(a, b) = a', 'set (a = (b + c))', 'set a = (b.c).d + e',
      'set a = (b.c)[0] + e', 'set a = b + c + d', 'set a = size(b', 'remove', 'set a = :v remove',
    ];
    for (const expr of cases) fails(expr, /^Invalid UpdateExpression: Syntax error; /);
  });

  it('rejects an empty expression', () => {
    fails('', 'The expression can not be empty;');
  });

  it('rejects reserved words', () => {
    fails(' set #c = :c set abOrt = true ', 'Attribute name is a reserved keyword; reserved keyword: abOrt', { ':c': { S: 'a' } }, { '#c': 'c' });
    fails(' remove Absolute ', 'Attribute name is a reserved keyword; reserved keyword: Absolute');
    fails('SET a = name', 'Attribute name is a reserved keyword; reserved keyword: name');
  });

  it('rejects unknown functions', () => {
    fails('set #c = if_not_exist(:c) set c = d', 'Invalid function name; function: if_not_exist', { ':c': { S: 'a' } }, { '#c': 'c' });
    fails('set a = size(b)', 'Invalid function name; function: size');
  });

  it('allows each section once', () => {
    const cases: [string, string][] = [
      ['set a = #c set c = :d', 'SET'],
      ['remove #d set a = b remove e', 'REMOVE'],
      ['add #d :e set a = b add e :f', 'ADD'],
      ['delete #d :e set a = b delete #e :f', 'DELETE'],
    ];
    for (const [expr, section] of cases) {
      fails(expr, `The "${section}" section can only be used once in an update expression;`);
    }
  });

  it('rejects undefined names and values', () => {
    fails('SET #c = if_not_exists(:c)', 'An expression attribute name used in the document path is not defined; attribute name: #c', { ':a': { S: 'a' } }, { '#a': 'a' });
    fails('SET #a = if_not_exists(:c)', 'An expression attribute value used in expression is not defined; attribute value: :c', { ':a': { S: 'a' } }, { '#a': 'a' });
    fails('SET attr1 = :v', 'An expression attribute value used in expression is not defined; attribute value: :v');
  });

  it('rejects overlapping paths', () => {
    const names = { '#c': 'c', '#d': '[3]' };
    fails('set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]', undefined, names);
    fails('set #c[3].#d = a, #c[3] = a',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]', undefined, names);
    fails('SET #v = :a, #v = :b',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [val], path two: [val]', { ':a': { S: 'a' }, ':b': { S: 'b' } }, { '#v': 'val' });
    fails('REMOVE a SET a.b = :v',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]', { ':v': { S: 'a' } });
  });

  it('rejects conflicting paths', () => {
    const names = { '#b': 'b', '#c': 'c', '#d': '[3]' };
    fails('set #c[3].#d = a, #c.#d[3] = if_not_exists(a)',
      'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]', undefined, names);
    fails('remove a.#c set a[1] = #d',
      'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]', undefined, names);
  });

  it('rejects ADD and DELETE operands of the wrong type', () => {
    const cases: [string, AttributeValue, string, string][] = [
      ['set b = list_append(:a, a), c = if_not_exists(a) add a.b :a', { S: 'a' }, 'ADD', 'STRING'],
      ['delete a.b :a', { S: 'a' }, 'DELETE', 'STRING'],
      ['add a.b :a', { NULL: true }, 'ADD', 'NULL'],
      ['delete a.b :a', { NULL: true }, 'DELETE', 'NULL'],
      ['add a.b :a', { BOOL: false }, 'ADD', 'BOOLEAN'],
      ['delete a.b :a', { BOOL: false }, 'DELETE', 'BOOLEAN'],
      ['add a.b :a', { B: 'YQ==' }, 'ADD', 'BINARY'],
      ['delete a.b :a', { B: 'YQ==' }, 'DELETE', 'BINARY'],
      ['add a.b :a', { M: { a: { L: [{ N: '1' }] } } }, 'ADD', 'MAP'],
      ['delete a.b :a', { M: { a: { L: [{ N: '1' }] } } }, 'DELETE', 'MAP'],
      ['add a.b :a', { L: [{ N: '1' }] }, 'ADD', 'LIST'],
      ['delete a.b :a', { L: [{ N: '1' }] }, 'DELETE', 'LIST'],
      ['delete a.b :a', { N: '1' }, 'DELETE', 'NUMBER'],
    ];
    for (const [expr, value, op, type] of cases) {
      fails(expr, `Incorrect operand type for operator or function; operator: ${op}, operand type: ${type}`, { ':a': value, ':b': { S: 'a' } });
    }
  });

  it('checks function operands', () => {
    fails('set a = if_not_exists(c)', 'Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1');
    fails('set a = list_append(c)', 'Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1');
    fails('set a = if_not_exists(:a, c)', 'Operator or function requires a document path; operator or function: if_not_exists', { ':a': { S: 'a' } });
    fails('set a = if_not_exists(if_not_exists(a, b), c)', 'Operator or function requires a document path; operator or function: if_not_exists');
    const values: Values = {
      ':a': { S: 'a' }, ':b': { N: '1' }, ':c': { B: 'YQ==' }, ':d': { BOOL: false }, ':e': { NULL: true }, ':f': { SS: ['a'] },
      ':g': { NS: ['1'] }, ':h': { BS: ['YQ=='] }, ':i': { M: {} }, ':j': { L: [] },
    };
    const cases: [string, string, string][] = [
      ['set a = list_append(:a, a)', 'list_append', 'S'],
      ['set a = list_append(a, :b)', 'list_append', 'N'],
      ['set a = list_append(:c, a)', 'list_append', 'B'],
      ['set a = list_append(:d, a)', 'list_append', 'BOOL'],
      ['set a = list_append(:e, a)', 'list_append', 'NULL'],
      ['set a = list_append(:f, a)', 'list_append', 'SS'],
      ['set a = list_append(:g, a)', 'list_append', 'NS'],
      ['set a = list_append(:h, a)', 'list_append', 'BS'],
      ['set a = list_append(:i, a)', 'list_append', 'M'],
      ['set a = a + :a', '+', 'S'],
      ['set a = :a + :c', '+', 'S'],
      ['set a = :c + a', '+', 'B'],
      ['set a = a + :d', '+', 'BOOL'],
      ['set a = a + :e', '+', 'NULL'],
      ['set a = a + :f', '+', 'SS'],
      ['set a = a + :i', '+', 'M'],
      ['set a = a + :j', '+', 'L'],
      ['set a = a - :a', '-', 'S'],
      ['set a = :c - a', '-', 'B'],
      ['set a = a - :g', '-', 'NS'],
      ['set a = a - :h', '-', 'BS'],
    ];
    for (const [expr, fn, type] of cases) {
      const ctx = newContext(undefined, values);
      rejects(() => parseUpdate(expr, ctx), `Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`);
    }
  });

  it('accepts every valid form', () => {
    const values: Values = { ':n': { N: '1' }, ':l': { L: [] }, ':s': { SS: ['a'] }, ':v': { S: 'x' } };
    const plan = upd('SET a = :v, b.c[2] = b.c[1] + :n, d = if_not_exists(d, :n) - :n, e = list_append(if_not_exists(e, :l), :l), f = (g), h = (:n + i), k = (j) + :n'
      + ' REMOVE x, y[3].z ADD cnt :n, tags :s DELETE prev :s', values);
    assert.deepEqual(plan.actions.map((a) => a.action), ['SET', 'SET', 'SET', 'SET', 'SET', 'SET', 'SET', 'REMOVE', 'REMOVE', 'ADD', 'ADD', 'DELETE']);
    assert.deepEqual(updatedPaths(plan)[1], ['b', 'c', 2]);
    upd('remove a set b = :v add c :n delete d :s', values);
    upd('sEt a = :v', values);
  });
});

// ============================================================================================ update application

describe('applyUpdate', () => {
  const run = (item: Item | undefined, expr: string, values?: Values, names?: Names, keys: string[] = ['id']) =>
    applyUpdate(parseUpdate(expr, newContext(names, values)), item, keys);
  const failsAt = (item: Item | undefined, expr: string, message: string, values?: Values, names?: Names, keys: string[] = ['id']) =>
    rejects(() => run(item, expr, values, names, keys), message);
  const key = { id: { S: 'k' } };

  it('SETs values, leaving the original item untouched', () => {
    const before: Item = { ...key, a: { S: 'old' } };
    const after = run(before, 'SET a = :v, b = :n', { ':v': { S: 'new' }, ':n': { N: '01.50' } });
    assert.deepEqual(after, { ...key, a: { S: 'new' }, b: { N: '1.5' } });
    assert.deepEqual(before, { ...key, a: { S: 'old' } });
  });

  it('creates a new item from the key', () => {
    assert.deepEqual(run(key, 'SET b = if_not_exists(b, id)'), { ...key, b: { S: 'k' } });
    assert.deepEqual(run(undefined, 'SET a = :v', { ':v': { S: 'x' } }, undefined, []), { a: { S: 'x' } });
  });

  it('does arithmetic with exact decimals', () => {
    const item: Item = { ...key, n: { N: '0.1' }, m: { M: { c: { N: '10' } } } };
    const values: Values = { ':a': { N: '0.2' }, ':five': { N: '5' } };
    const after = run(item, 'SET n = n + :a, m.c = m.c - :five, z = :five - n', values);
    assert.deepEqual(after.n, { N: '0.3' });
    assert.deepEqual(after.m, { M: { c: { N: '5' } } });
    assert.deepEqual(after.z, { N: '4.9' });
  });

  it('computes every SET value from the item before the update', () => {
    const item: Item = { ...key, a: { N: '1' }, b: { N: '2' } };
    assert.deepEqual(run(item, 'SET a = b, b = a'), { ...key, a: { N: '2' }, b: { N: '1' } });
  });

  it('supports if_not_exists and list_append', () => {
    const item: Item = { ...key, l: { L: [{ N: '1' }] }, c: { N: '5' } };
    const values: Values = { ':l': { L: [{ N: '2' }] }, ':z': { N: '0' } };
    const after = run(item, 'SET l = list_append(l, :l), m = list_append(:l, l), c = if_not_exists(c, :z), d = if_not_exists(d, :z)', values);
    assert.deepEqual(after.l, { L: [{ N: '1' }, { N: '2' }] });
    assert.deepEqual(after.m, { L: [{ N: '2' }, { N: '1' }] });
    assert.deepEqual(after.c, { N: '5' });
    assert.deepEqual(after.d, { N: '0' });
  });

  it('REMOVEs attributes, map members and list elements by their original index', () => {
    const item: Item = { ...key, a: { S: 'x' }, m: { M: { x: { S: '1' }, keep: { S: '2' } } }, l: { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }, { S: 'd' }] } };
    const after = run(item, 'REMOVE a, m.x, l[0], l[2], l[9], nothing');
    assert.deepEqual(after, { ...key, m: { M: { keep: { S: '2' } } }, l: { L: [{ S: 'b' }, { S: 'd' }] } });
  });

  it('appends past the end of a list in index order, without padding', () => {
    const item: Item = { ...key, l: { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }] } };
    assert.deepEqual(run(item, 'SET l[5] = :v', { ':v': { S: 'x' } }).l, { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }, { S: 'x' }] });
    assert.deepEqual(run({ ...key, l: { L: [] } }, 'SET l[0] = :v', { ':v': { S: 'x' } }).l, { L: [{ S: 'x' }] });
    const two = run(item, 'SET l[9] = :y, l[7] = :x', { ':x': { S: 'x' }, ':y': { S: 'y' } });
    assert.deepEqual(two.l, { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }, { S: 'x' }, { S: 'y' }] });
  });

  it('handles a mixed nested update the way DynamoDB does', () => {
    // Verified against DynamoDB by dynalite's test suite ("should update nested attributes").
    const item: Item = { ...key, b: { M: { a: { N: '1' }, b: { N: '2' }, c: { N: '3' } } }, c: { L: [{ N: '1' }, { N: '3' }] } };
    const plan = parseUpdate('set b.c=((c[1])+(b.a)),b.a = id,c[1] = id, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a',
      newContext(undefined, { ':a': { N: '2' }, ':b': { SS: ['a'] } }));
    const after = applyUpdate(plan, item, []);
    assert.deepEqual(after, {
      ...key,
      b: { M: { a: key.id, b: { N: '2' }, c: { N: '4' } } },
      c: { L: [{ N: '1' }, key.id, { N: '3' }, { N: '-1' }, { N: '2' }, { SS: ['a'] }] },
    });
    assert.deepEqual(projectUpdated(plan, after), { b: { M: { c: { N: '4' }, a: key.id } }, c: { L: [key.id, { N: '3' }, { N: '2' }] } });
  });

  it('ADDs numbers and set members', () => {
    const item: Item = { ...key, n: { N: '1' }, ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2'] }, bs: { BS: ['AQI=', 'Ag=='] } };
    const values: Values = { ':n': { N: '3' }, ':ss': { SS: ['b', 'c'] }, ':ns': { NS: ['2.0', '3'] }, ':bs': { BS: ['Ag==', 'AQ=='] } };
    const after = run(item, 'ADD n :n, ss :ss, ns :ns, bs :bs, newn :n, newss :ss', values);
    assert.deepEqual(after.n, { N: '4' });
    assert.deepEqual(after.ss, { SS: ['a', 'b', 'c'] });
    assert.deepEqual(after.ns, { NS: ['1', '2', '3'] });
    assert.deepEqual(after.bs, { BS: ['AQI=', 'Ag==', 'AQ=='] });
    assert.deepEqual(after.newn, { N: '3' });
    assert.deepEqual(after.newss, { SS: ['b', 'c'] });
  });

  it('DELETEs set members and drops an emptied set', () => {
    const item: Item = { ...key, ns: { NS: ['1', '2', '3'] }, ss: { SS: ['a'] } };
    const after = run(item, 'DELETE ns :a, ss :b, nope :b', { ':a': { NS: ['1', '4'] }, ':b': { SS: ['a'] } });
    assert.deepEqual(after, { ...key, ns: { NS: ['2', '3'] } });
  });

  it('returns the item unchanged when nothing applies', () => {
    assert.deepEqual(run(key, 'REMOVE a DELETE b :s', { ':s': { SS: ['x'] } }), key);
  });

  it('refuses to update key attributes, at any depth', () => {
    const msg = (k: string) => `One or more parameter values were invalid: Cannot update attribute ${k}. This attribute is part of the key`;
    failsAt(key, 'SET id = :v', msg('id'), { ':v': { S: 'x' } });
    failsAt(key, 'add id.b :a', msg('id'), { ':a': { N: '1' } });
    failsAt(key, 'delete id :a', msg('id'), { ':a': { NS: ['1'] } });
    failsAt(key, 'remove d set b = :a, id = :a', msg('id'), { ':a': { N: '1' } });
    failsAt(key, 'set id = id.b + id[1]', msg('id'));
    failsAt({ a: { S: 'a' }, b: { S: 'b' } }, 'set d[1] = :a add b.b :a', msg('b'), { ':a': { N: '1' } }, undefined, ['a', 'b']);
    failsAt({ a: { S: 'a' }, b: { S: 'b' } }, 'remove b, a', msg('a'), undefined, undefined, ['a', 'b']);
    assert.throws(() => checkUpdateKeys(parseUpdate('REMOVE sk', newContext()), ['pk', 'sk']), /Cannot update attribute sk/);
  });

  it('refuses document paths that do not lead into a map or list', () => {
    const msg = 'The document path provided in the update expression is invalid for update';
    const item: Item = { ...key, b: { S: 'k' }, c: { M: { 1: { S: 'a' } } }, d: { L: [{ S: 'a' }, { S: 'b' }] } };
    const values: Values = { ':a': { SS: ['a'] } };
    const names = { '#1': '1' };
    for (const e of [
      'set b.a = :a', 'set b[1] = :a', 'set y.a = :a', 'set y[1] = :a', 'set c[1] = :a', 'set d.#1 = :a',
      'remove b.a', 'remove b[1]', 'remove y.a', 'remove y[1]', 'remove c[1]', 'remove d.#1',
      'delete b.a :a', 'delete b[1] :a', 'delete y.a :a', 'delete c[1] :a', 'delete d.#1 :a',
      'add b.a :a', 'add b[1] :a', 'add y.a :a', 'add c[1] :a', 'add d.#1 :a', 'set d[5].x = :a',
    ]) {
      const usesName = e.includes('#1');
      failsAt(item, e, msg, values, usesName ? names : undefined);
    }
    failsAt(key, 'set b.a = id', msg);
    failsAt(key, 'set b[1] = id', msg);
  });

  it('refuses operands of the wrong type at run time', () => {
    const msg = 'An operand in the update expression has an incorrect data type';
    const item: Item = { ...key, b: { M: { a: { SS: ['1'] } } }, c: { N: '1' }, d: { NS: ['1'] } };
    const cases: [string, Values][] = [
      ['delete d :a', { ':a': { SS: ['1'] } }],
      ['delete b :a', { ':a': { NS: ['1'] } }],
      ['delete b.a :a', { ':a': { NS: ['1'] } }],
      ['delete b.a :a', { ':a': { BS: ['YQ=='] } }],
      ['delete c :a', { ':a': { NS: ['1'] } }],
      ['add b :a', { ':a': { NS: ['1'] } }],
      ['add d :a', { ':a': { N: '1' } }],
      ['add c :a', { ':a': { SS: ['x'] } }],
      ['set e = id + :a', { ':a': { N: '1' } }],
      ['set e = b - :a', { ':a': { N: '1' } }],
      ['set e = :a + id', { ':a': { N: '1' } }],
      ['set e = list_append(d, if_not_exists(f, :a))', { ':a': { L: [] } }],
      ['set e = list_append(if_not_exists(f, :a), c)', { ':a': { L: [] } }],
    ];
    for (const [e, values] of cases) failsAt(item, e, msg, values);
  });

  it('refuses references to missing attributes', () => {
    const msg = 'The provided expression refers to an attribute that does not exist in the item';
    failsAt(key, 'set c = b', msg);
    failsAt(key, 'set e = list_append(b, c)', msg);
    failsAt(key, 'set e = b + :n', msg, { ':n': { N: '1' } });
    failsAt(key, 'set e = if_not_exists(b, c)', msg);
    failsAt({ ...key, l: { L: [] } }, 'set e = l[0]', msg);
  });

  it('rejects a sum that cannot be stored', () => {
    failsAt({ ...key, n: { N: '9e125' } }, 'ADD n :n', 'Number overflow. Attempting to store a number with magnitude larger than supported range', { ':n': { N: '9e125' } });
  });
});

describe('projectUpdated', () => {
  it('projects the updated paths, nested ones nested', () => {
    const plan = parseUpdate('SET #a.#b = :x, #a.#c = :y REMOVE gone', newContext({ '#a': 'a', '#b': 'b', '#c': 'c' }, { ':x': { S: 'x' }, ':y': { S: 'y' } }));
    const before: Item = { id: { S: 'k' }, a: { M: { existing: { S: 'e' } } }, gone: { S: 'g' }, other: { S: 'o' } };
    const after = applyUpdate(plan, before, ['id']);
    assert.deepEqual(projectUpdated(plan, after), { a: { M: { b: { S: 'x' }, c: { S: 'y' } } } });
    assert.deepEqual(projectUpdated(plan, before), { gone: { S: 'g' } });
  });

  it('returns top-level attributes whole', () => {
    const plan = parseUpdate('SET b = :b, c = :c', newContext(undefined, { ':b': { S: 'b' }, ':c': { S: 'a' } }));
    const after = applyUpdate(plan, { id: { S: 'k' }, b: { S: 'old' } }, ['id']);
    assert.deepEqual(projectUpdated(plan, after), { b: { S: 'b' }, c: { S: 'a' } });
  });
});

// ============================================================================================ projection

describe('parseProjection', () => {
  const proj = (expr: string, names?: Names) => parseProjection(expr, newContext(names));
  const fails = (expr: string, message: string, names?: Names) => rejects(() => proj(expr, names), `Invalid ProjectionExpression: ${message}`);

  it('parses paths with members and indexes', () => {
    assert.deepEqual(proj('a, b.c, d[1][2].e, #f.g', { '#f': 'name' }), [['a'], ['b', 'c'], ['d', 1, 2, 'e'], ['name', 'g']]);
    assert.deepEqual(proj(' a ,b '), [['a'], ['b']]);
  });

  it('reports syntax errors', () => {
    fails('a b', 'Syntax error; token: "b", near: "a b"');
    fails('a,', 'Syntax error; token: "<EOF>", near: ","');
    fails('a.', 'Syntax error; token: "<EOF>", near: "."');
    fails('a[b]', 'Syntax error; token: "b", near: "[b]"');
    fails(':a', 'Syntax error; token: ":a", near: ":a"');
    fails('a = b', 'Syntax error; token: "=", near: "a = b"');
    fails('', 'The expression can not be empty;');
  });

  it('rejects reserved words, then undefined names', () => {
    fails('a, name', 'Attribute name is a reserved keyword; reserved keyword: name');
    fails('#x, Comment', 'Attribute name is a reserved keyword; reserved keyword: Comment');
    fails('a, #x', 'An expression attribute name used in the document path is not defined; attribute name: #x');
  });

  it('rejects overlapping, then conflicting paths', () => {
    fails('a, a.b', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]');
    fails('a.b, a', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]');
    fails('a, a', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]');
    fails('a.b, a[0]', 'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]');
    fails('a.b, a[0], c, c.d', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c, d]');
    proj('a.b, a.c, a.d[0], x[1], x[2]');
  });
});

describe('applyProjection', () => {
  const item: Item = {
    id: { S: 'k' },
    a: { M: { b: { S: 'b' }, c: { N: '1' }, d: { L: [{ S: 'x' }, { M: { e: { S: 'e' }, f: { S: 'f' } } }, { S: 'z' }] } } },
    l: { L: [{ S: '0' }, { S: '1' }, { S: '2' }, { S: '3' }] },
    s: { S: 'str' },
  };
  const project = (expr: string) => applyProjection(parseProjection(expr, newContext()), item);

  it('selects top-level attributes whole', () => {
    assert.deepEqual(project('id, s, nope'), { id: { S: 'k' }, s: { S: 'str' } });
  });

  it('keeps only the selected members of maps', () => {
    assert.deepEqual(project('a.b'), { a: { M: { b: { S: 'b' } } } });
    assert.deepEqual(project('a.b, a.c, a.nope'), { a: { M: { b: { S: 'b' }, c: { N: '1' } } } });
  });

  it('returns selected list elements in index order without gaps', () => {
    assert.deepEqual(project('l[3], l[1]'), { l: { L: [{ S: '1' }, { S: '3' }] } });
    assert.deepEqual(project('l[9]'), {});
    assert.deepEqual(project('a.d[1].f, a.d[2], a.d[1].e'), { a: { M: { d: { L: [{ M: { f: { S: 'f' }, e: { S: 'e' } } }, { S: 'z' }] } } } });
  });

  it('skips paths through the wrong kind of container', () => {
    for (const e of ['s.x', 's[0]', 'a[0]', 'l.x']) assert.deepEqual(project(e), {});
  });

  it('never writes into the source item', () => {
    const copy = structuredClone(item);
    applyProjection([['a'], ['a', 'b']], item);
    applyProjection([['a', 'b'], ['a']], item);
    assert.deepEqual(item, copy);
  });
});

describe('reserved words', () => {
  it('holds AWS\'s list, case-insensitively', () => {
    for (const w of ['ABORT', 'name', 'Comment', 'size', 'SET', 'add', 'ZONE', 'flattern', 'INNTER', 'loged', 'status', 'data', 'key', 'value', 'type']) {
      assert.ok(isReservedWord(w), w);
    }
    for (const w of ['REMOVE', 'foo', 'id', 'pk', 'begins_with', 'attribute_exists']) assert.ok(!isReservedWord(w), w);
  });
});

describe('legacy parameters translated into expression trees', async () => {
  const { expectedCondition, filterCondition, attributeUpdatesPlan, applyAttributeUpdates } = await import('../../src/dynamodb/legacy.js');
  const item: Item = {
    s: { S: 'hello' }, n: { N: '10' }, b: { B: Buffer.from([1, 2, 3]).toString('base64') },
    ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2'] }, l: { L: [{ S: 'x' }, { N: '5' }] },
  };
  const holds = (name: string, op: string, values: AttributeValue[] = []) =>
    evaluateCondition(filterCondition({ [name]: { ComparisonOperator: op, AttributeValueList: values } }, undefined)!, item);

  it('compares as ConditionExpression does: missing attributes and other types', () => {
    assert.equal(holds('missing', 'NE', [{ S: 'x' }]), true, 'NE holds for a missing attribute');
    assert.equal(holds('n', 'NE', [{ S: '10' }]), true, 'NE holds across types');
    assert.equal(holds('n', 'EQ', [{ N: '10.0' }]), true, 'numbers by value');
    assert.equal(holds('n', 'GT', [{ S: '1' }]), false, 'ordering across types is false');
    assert.equal(holds('missing', 'NOT_CONTAINS', [{ S: 'x' }]), true);
    assert.equal(holds('missing', 'CONTAINS', [{ S: 'x' }]), false);
    assert.equal(holds('missing', 'NULL'), true);
    assert.equal(holds('s', 'NOT_NULL'), true);
  });

  it('CONTAINS, BEGINS_WITH, IN and BETWEEN over each kind of target', () => {
    assert.equal(holds('s', 'CONTAINS', [{ S: 'ell' }]), true);
    assert.equal(holds('ss', 'CONTAINS', [{ S: 'b' }]), true);
    assert.equal(holds('ns', 'CONTAINS', [{ N: '2.0' }]), true);
    assert.equal(holds('l', 'CONTAINS', [{ N: '5' }]), true, 'a list member');
    assert.equal(holds('b', 'CONTAINS', [{ B: Buffer.from([2, 3]).toString('base64') }]), true);
    assert.equal(holds('b', 'BEGINS_WITH', [{ B: Buffer.from([1]).toString('base64') }]), true);
    assert.equal(holds('s', 'BEGINS_WITH', [{ S: 'ello' }]), false);
    assert.equal(holds('n', 'IN', [{ N: '1' }, { N: '10' }]), true);
    assert.equal(holds('n', 'BETWEEN', [{ N: '10' }, { N: '11' }]), true);
    assert.equal(holds('s', 'BETWEEN', [{ S: 'a' }, { S: 'b' }]), false);
  });

  it('Expected: Exists and Value, joined with AND or OR', () => {
    const both = { Expected: { n: { Value: { N: '10' } }, s: { Exists: false } } };
    assert.equal(evaluateCondition(expectedCondition(both)!, item), false);
    assert.equal(evaluateCondition(expectedCondition({ ...both, ConditionalOperator: 'OR' })!, item), true);
    assert.equal(evaluateCondition(expectedCondition({ Expected: { s: { Exists: false } } })!, undefined), true, 'no item: nothing exists');
    assert.equal(expectedCondition({ Expected: {} }), undefined);
  });

  it('AttributeUpdates: ADD appends to a list or starts one, PUT replaces, DELETE without a value removes', () => {
    const plan = attributeUpdatesPlan({ l: { Action: 'ADD', Value: { L: [{ S: 'y' }] } }, fresh: { Action: 'ADD', Value: { L: [{ S: 'z' }] } }, s: { Action: 'DELETE' }, n: { Value: { N: '1' } } })!;
    const out = applyAttributeUpdates(plan, item, ['pk']);
    assert.deepEqual(out.l, { L: [{ S: 'x' }, { N: '5' }, { S: 'y' }] });
    assert.deepEqual(out.fresh, { L: [{ S: 'z' }] });
    assert.equal(out.s, undefined);
    assert.deepEqual(out.n, { N: '1' });
    assert.deepEqual(item.s, { S: 'hello' }, 'the input item is not modified');
    rejects(() => applyAttributeUpdates(attributeUpdatesPlan({ s: { Action: 'ADD', Value: { N: '1' } } })!, item, ['pk']), 'Type mismatch for attribute to update');
  });
});
