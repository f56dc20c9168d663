/**
 * KeyConditionExpression: a condition restricted to `hash = :v` optionally ANDed with one sort-key
 * condition (=, <, <=, >, >=, BETWEEN, begins_with), checked against the table's or index's key schema.
 */
import { validation } from '../../server/errors.js';
import type { AttributeValue, Item } from '../types.js';
import { compareValues, normalizeAttributeValue, valuesEqual } from '../values.js';
import { parseCondition, type Condition, type Operand } from './condition.js';
import type { ExpressionContext } from './context.js';
import { getAtPath } from './paths.js';

export type KeyOperator = '=' | '<' | '<=' | '>' | '>=' | 'BETWEEN' | 'begins_with';

export interface KeyCondition {
  hashName: string;
  hashValue: AttributeValue;
  range?: { name: string; op: KeyOperator; values: AttributeValue[] };
}

interface KeyTerm {
  name: string;
  op: KeyOperator;
  values: AttributeValue[];
}

const FLIPPED: Record<string, KeyOperator> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const PREFIX = 'Invalid KeyConditionExpression: ';

export function parseKeyCondition(
  expr: string,
  ctx: ExpressionContext,
  keySchema: { hash: string; range?: string },
  attrTypes: Record<string, 'S' | 'N' | 'B'>,
): KeyCondition {
  const cond = parseCondition(expr, ctx, 'KeyConditionExpression');
  const terms: KeyTerm[] = [];
  collect(cond, terms);

  const keyCount = keySchema.range ? 2 : 1;
  if (terms.length > keyCount) {
    throw validation(`The number of query conditions (${terms.length}) exceeds the number of key attributes defined in the schema (${keyCount})`);
  }
  const hash = terms.find((t) => t.name === keySchema.hash);
  if (!hash) throw validation(`Query condition missed key schema element: ${keySchema.hash}`);
  checkTypes(hash, attrTypes[keySchema.hash]);
  if (hash.op !== '=') throw validation('Query key condition not supported');
  const other = terms.find((t) => t !== hash);
  let range: KeyCondition['range'];
  if (other) {
    if (other.name !== keySchema.range) throw validation(`Query condition missed key schema element: ${keySchema.range ?? keySchema.hash}`);
    checkTypes(other, attrTypes[other.name]);
    range = { name: other.name, op: other.op, values: other.values.map(normalizeAttributeValue) };
  }
  return { hashName: hash.name, hashValue: normalizeAttributeValue(hash.values[0]!), ...(range ? { range } : {}) };
}

function checkTypes(term: KeyTerm, type: 'S' | 'N' | 'B' | undefined): void {
  if (type === undefined || term.values.some((v) => !(type in v))) {
    throw validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
  }
}

/** Flattens the ANDed key conditions into terms, rejecting anything a key condition cannot express. */
function collect(c: Condition, terms: KeyTerm[]): void {
  switch (c.kind) {
    case 'and':
      collect(c.left, terms);
      collect(c.right, terms);
      return;
    case 'or':
    case 'not':
    case 'in':
      throw validation(`Invalid operator used in KeyConditionExpression: ${c.kind.toUpperCase()}`);
    case 'function':
      if (c.name !== 'begins_with') throw validation(`Invalid operator used in KeyConditionExpression: ${c.name}`);
      if (c.args[0]!.kind !== 'path') {
        throw validation('Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand');
      }
      addTerm(terms, c.args, (at) => (at === 0 ? 'begins_with' : undefined));
      return;
    case 'between':
      if (c.operand.kind !== 'path') {
        throw validation('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
      }
      addTerm(terms, [c.operand, c.low, c.high], (at) => (at === 0 ? 'BETWEEN' : undefined));
      return;
    case 'compare': {
      if (c.op === '<>') throw validation('Invalid operator used in KeyConditionExpression: <>');
      const op = c.op;
      addTerm(terms, [c.left, c.right], (at) => (at === 0 ? op : FLIPPED[op]));
      return;
    }
  }
}

/**
 * One key term: exactly one operand names a (top-level) attribute, the rest are values.
 * `opFor(i)` gives the operator as seen from the attribute when it is operand `i`.
 */
function addTerm(terms: KeyTerm[], args: readonly Operand[], opFor: (at: number) => KeyOperator | undefined): void {
  let name: string | undefined;
  let at = -1;
  const values: AttributeValue[] = [];
  args.forEach((a, i) => {
    if (a.kind === 'size') throw validation(`${PREFIX}KeyConditionExpressions cannot contain nested operations`);
    if (a.kind === 'path') {
      if (name !== undefined) throw validation('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
      if (a.path.length > 1) throw validation(`${PREFIX}KeyConditionExpressions cannot have conditions on nested attributes`);
      name = a.path[0];
      at = i;
    } else {
      values.push(a.value);
    }
  });
  if (name === undefined) throw validation('Invalid condition in KeyConditionExpression: No key attribute specified');
  if (terms.some((t) => t.name === name)) throw validation(`${PREFIX}KeyConditionExpressions must only contain one condition per key`);
  const op = opFor(at);
  if (!op) throw validation('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
  terms.push({ name, op, values });
}

/** Whether an item's key attributes satisfy a parsed key condition. */
export function keyConditionMatches(kc: KeyCondition, item: Item): boolean {
  const h = getAtPath(item, [kc.hashName]);
  if (!h || !valuesEqual(h, kc.hashValue)) return false;
  if (!kc.range) return true;
  const v = getAtPath(item, [kc.range.name]);
  if (!v) return false;
  const [a, b] = kc.range.values;
  const cmp = (x: AttributeValue | undefined) => (x ? compareValues(v, x) : undefined);
  switch (kc.range.op) {
    case '=':
      return valuesEqual(v, a!);
    case '<':
      return (cmp(a) ?? 1) < 0;
    case '<=':
      return (cmp(a) ?? 1) <= 0;
    case '>':
      return (cmp(a) ?? -1) > 0;
    case '>=':
      return (cmp(a) ?? -1) >= 0;
    case 'BETWEEN':
      return (cmp(a) ?? -1) >= 0 && (cmp(b) ?? 1) <= 0;
    case 'begins_with':
      if ('S' in v && 'S' in a!) return v.S.startsWith(a.S);
      if ('B' in v && 'B' in a!) {
        const x = Buffer.from(v.B, 'base64');
        const y = Buffer.from(a.B, 'base64');
        return y.length <= x.length && x.subarray(0, y.length).equals(y);
      }
      return false;
  }
}
