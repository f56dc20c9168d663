/**
 * Evaluation of resolved conditions against an item (undefined = no item). A comparison involving a
 * missing attribute or values of different types is simply false, never an error.
 */
import type { AttributeValue, Item } from '../types.js';
import { compareNumbers, compareValues, typeOf, valuesEqual } from '../values.js';
import type { Condition, Operand } from './condition.js';
import { getAtPath } from './paths.js';

export function evaluateCondition(c: Condition, item: Item | undefined): boolean {
  switch (c.kind) {
    case 'and':
      return evaluateCondition(c.left, item) && evaluateCondition(c.right, item);
    case 'or':
      return evaluateCondition(c.left, item) || evaluateCondition(c.right, item);
    case 'not':
      return !evaluateCondition(c.operand, item);
    case 'compare':
      return compare(c.op, operandValue(c.left, item), operandValue(c.right, item));
    case 'between': {
      const v = operandValue(c.operand, item);
      const lo = operandValue(c.low, item);
      const hi = operandValue(c.high, item);
      if (!v || !lo || !hi) return false;
      const a = compareValues(v, lo);
      const b = compareValues(v, hi);
      return a !== undefined && b !== undefined && a >= 0 && b <= 0;
    }
    case 'in': {
      const v = operandValue(c.operand, item);
      if (!v) return false;
      return c.list.some((o) => {
        const x = operandValue(o, item);
        return x !== undefined && valuesEqual(v, x);
      });
    }
    case 'function':
      return callFunction(c.name, c.args.map((a) => operandValue(a, item)));
  }
}

function compare(op: string, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (op === '<>') {
    if (!a && !b) return false;
    return !a || !b || !valuesEqual(a, b);
  }
  if (!a || !b) return false;
  if (op === '=') return valuesEqual(a, b);
  const cmp = compareValues(a, b);
  if (cmp === undefined) return false;
  switch (op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

/** The value an operand denotes for this item, or undefined when there is none. */
export function operandValue(o: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (o.kind) {
    case 'value':
      return o.value;
    case 'path':
      return getAtPath(item, o.path);
    case 'size': {
      const v = operandValue(o.operand, item);
      const n = v === undefined ? undefined : sizeOf(v);
      return n === undefined ? undefined : { N: String(n) };
    }
  }
}

/** size(): string length in UTF-16 code units (as DynamoDB counts), bytes of a binary, members of a set, list or map. */
function sizeOf(v: AttributeValue): number | undefined {
  if ('S' in v) return v.S.length;
  if ('B' in v) return Buffer.from(v.B, 'base64').length;
  if ('SS' in v) return v.SS.length;
  if ('NS' in v) return v.NS.length;
  if ('BS' in v) return v.BS.length;
  if ('L' in v) return v.L.length;
  if ('M' in v) return Object.keys(v.M).length;
  return undefined;
}

function callFunction(name: string, args: (AttributeValue | undefined)[]): boolean {
  const [a, b] = args;
  switch (name) {
    case 'attribute_exists':
      return a !== undefined;
    case 'attribute_not_exists':
      return a === undefined;
    case 'attribute_type':
      return a !== undefined && b !== undefined && 'S' in b && typeOf(a) === b.S;
    case 'begins_with':
      if (!a || !b) return false;
      if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
      if ('B' in a && 'B' in b) {
        const x = Buffer.from(a.B, 'base64');
        const y = Buffer.from(b.B, 'base64');
        return y.length <= x.length && x.subarray(0, y.length).equals(y);
      }
      return false;
    case 'contains':
      return contains(a, b);
    default:
      return false;
  }
}

function contains(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  if ('S' in a) return 'S' in b && a.S.includes(b.S);
  if ('B' in a) return 'B' in b && Buffer.from(a.B, 'base64').includes(Buffer.from(b.B, 'base64'));
  if ('SS' in a) return 'S' in b && a.SS.includes(b.S);
  if ('NS' in a) return 'N' in b && a.NS.some((n) => compareNumbers(n, b.N) === 0);
  if ('BS' in a) {
    if (!('B' in b)) return false;
    const needle = Buffer.from(b.B, 'base64');
    return a.BS.some((x) => Buffer.from(x, 'base64').equals(needle));
  }
  if ('L' in a) return a.L.some((e) => valuesEqual(e, b));
  return false;
}
