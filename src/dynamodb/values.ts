/**
 * DynamoDB's rules for attribute values: validation (with AWS's exact messages), the canonical form of
 * numbers, ordering and equality, and the item-size arithmetic AWS charges against the 400 KB limit.
 * Pure functions over wire-format AttributeValues.
 */
import Big from 'big.js';
import { AwsError, validation } from '../server/errors.js';
import type { AttributeValue, Item } from './types.js';

const INVALID = 'One or more parameter values were invalid: ';
const NOT_NUMERIC = 'The parameter cannot be converted to a numeric value';
const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
const UNDERFLOW = 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
const TOO_PRECISE = 'Attempting to store more than 38 significant digits in a Number';
const EMPTY_VALUE = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
const MULTIPLE_TYPES = 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';
const NESTING = 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

/** The ten wire types, in the order AWS inspects them. */
export const ATTRIBUTE_TYPES = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** Deepest document nesting AWS accepts: the attribute itself is level 1. */
export const MAX_NESTING_DEPTH = 32;

const EXP_MAX = (1n << 63n) - 1n;
const EXP_MIN = -(1n << 63n);

/** A number as sign, significant digits (no leading or trailing zeros; '' for zero) and the power of ten of the last digit. */
interface Decimal {
  negative: boolean;
  digits: string;
  scale: number;
}

/** The type tag of a well-formed AttributeValue. */
export function typeOf(v: AttributeValue): AttributeType {
  const r = v as Record<string, unknown>;
  for (const t of ATTRIBUTE_TYPES) if (r[t] !== undefined && r[t] !== null) return t;
  throw new Error('AttributeValue without a type');
}

// ---------------------------------------------------------------------------------------------- numbers

type NumberParse = { ok: true; value: Decimal } | { ok: false; message: string };

/** Parses and range-checks a DynamoDB number literal the way the service does. */
function parseNumber(text: string): NumberParse {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return { ok: false, message: `${NOT_NUMERIC}: ${text}` };
  const intText = m[2]!;
  const fracText = m[3] ?? '';
  const exp = m[4] === undefined ? 0n : BigInt(m[4]);
  if (exp > EXP_MAX || exp < EXP_MIN) return { ok: false, message: `${NOT_NUMERIC}: ${text}` };
  const all = intText + fracText;
  const lead = all.search(/[1-9]/);
  if (lead < 0) {
    // Zero is range-checked by the exponent it is written with (0e126 overflows, 0e125 is 0).
    const adjusted = exp - BigInt(fracText.length);
    if (adjusted > 125n) return { ok: false, message: OVERFLOW };
    if (adjusted < -130n) return { ok: false, message: UNDERFLOW };
    return { ok: true, value: { negative: false, digits: '', scale: 0 } };
  }
  let end = all.length;
  while (all[end - 1] === '0') end--;
  const digits = all.slice(lead, end);
  // Power of ten of the last significant digit, and of the first.
  const lastPower = BigInt(intText.length - end) + exp;
  const firstPower = lastPower + BigInt(digits.length - 1);
  if (firstPower > 125n) return { ok: false, message: OVERFLOW };
  if (firstPower < -130n) return { ok: false, message: UNDERFLOW };
  if (digits.length > 38) return { ok: false, message: TOO_PRECISE };
  return { ok: true, value: { negative: m[1] === '-', digits, scale: Number(lastPower) } };
}

function decimalOf(text: string): Decimal {
  const p = parseNumber(text);
  if (!p.ok) throw validation(p.message);
  return p.value;
}

function plainText(d: Decimal): string {
  if (d.digits === '') return '0';
  let body: string;
  if (d.scale >= 0) {
    body = d.digits + '0'.repeat(d.scale);
  } else {
    const point = d.digits.length + d.scale;
    body = point > 0 ? `${d.digits.slice(0, point)}.${d.digits.slice(point)}` : `0.${'0'.repeat(-point)}${d.digits}`;
  }
  return d.negative ? `-${body}` : body;
}

/**
 * DynamoDB's canonical text of a number: plain notation, no leading zeros, no trailing fractional zeros,
 * no exponent, no sign on zero ("01.50" → "1.5", "1e2" → "100", "-0" → "0").
 * Throws AWS's ValidationException for anything that is not a storable number.
 */
export function normalizeNumber(s: string): string {
  return plainText(decimalOf(s));
}

/** Validates a number literal; throws AWS's message when it is not a storable number. */
export function validateNumber(s: string): void {
  decimalOf(s);
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const signA = a.digits === '' ? 0 : a.negative ? -1 : 1;
  const signB = b.digits === '' ? 0 : b.negative ? -1 : 1;
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  const magA = a.scale + a.digits.length;
  const magB = b.scale + b.digits.length;
  let cmp: number;
  if (magA !== magB) {
    cmp = magA < magB ? -1 : 1;
  } else {
    const len = Math.max(a.digits.length, b.digits.length);
    const da = a.digits.padEnd(len, '0');
    const db = b.digits.padEnd(len, '0');
    cmp = da === db ? 0 : da < db ? -1 : 1;
  }
  return signA < 0 ? -cmp : cmp;
}

/** Exact numeric comparison of two number literals. */
export function compareNumbers(a: string, b: string): number {
  return compareDecimals(decimalOf(a), decimalOf(b));
}

/** a + b (or a - b) with exact decimal arithmetic; the result is validated like any stored number. */
export function addNumbers(a: string, b: string, subtract = false): string {
  const x = new Big(normalizeNumber(a));
  const y = new Big(normalizeNumber(b));
  const sum = subtract ? x.minus(y) : x.plus(y);
  return normalizeNumber(sum.toFixed());
}

/** Bytes a number occupies: 1 + one byte per base-100 digit pair (aligned on the decimal point) + 1 if negative. */
export function numberSize(s: string): number {
  const d = decimalOf(s);
  if (d.digits === '') return 1;
  const last = d.scale;
  const first = d.scale + d.digits.length - 1;
  const pairs = Math.floor(first / 2) - Math.floor(last / 2) + 1;
  return 1 + pairs + (d.negative ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------- validation

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message, 400);
}

function presentTypes(v: Record<string, unknown>): AttributeType[] {
  return ATTRIBUTE_TYPES.filter((t) => v[t] !== undefined && v[t] !== null).sort(
    (a, b) => Object.keys(v).indexOf(a) - Object.keys(v).indexOf(b),
  );
}

function depthOf(v: unknown): number {
  if (!isRecord(v)) return 1;
  let deepest = 0;
  if (Array.isArray(v.L)) for (const e of v.L) deepest = Math.max(deepest, depthOf(e));
  else if (isRecord(v.M)) for (const e of Object.values(v.M)) deepest = Math.max(deepest, depthOf(e));
  return 1 + deepest;
}

function stringArray(v: unknown, type: string): string[] {
  if (!Array.isArray(v)) throw serialization(`Expected list for ${type}`);
  for (const e of v) if (typeof e !== 'string') throw serialization(`Expected string in ${type}`);
  return v as string[];
}

/** UTF-8 byte order (equivalently, code point order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function decode(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

/**
 * The member list AWS prints when a set has a duplicate: the members seen so far in sorted order,
 * then the repeated one, then the rest as sent.
 */
function duplicateListing(members: string[], compare: (a: string, b: string) => number, same: (a: string, b: string) => boolean): string[] | undefined {
  const seen: string[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (seen.some((s) => same(s, m))) {
      seen.sort(compare);
      return [...seen, m, ...members.slice(i + 1)];
    }
    seen.push(m);
  }
  return undefined;
}

function validateValue(v: unknown): void {
  if (!isRecord(v)) throw validation(EMPTY_VALUE);
  const types = presentTypes(v);
  if (types.length === 0) throw validation(EMPTY_VALUE);
  for (const t of types) {
    const x = v[t];
    switch (t) {
      case 'S':
      case 'B':
        if (typeof x !== 'string') throw serialization(`Expected string for ${t}`);
        break;
      case 'N': {
        if (typeof x !== 'string') throw serialization('Expected string for N');
        validateNumber(x);
        break;
      }
      case 'BOOL':
        if (typeof x !== 'boolean') throw serialization('Expected boolean for BOOL');
        break;
      case 'NULL':
        if (typeof x !== 'boolean') throw serialization('Expected boolean for NULL');
        if (!x) throw validation(`${INVALID}Null attribute value types must have the value of true`);
        break;
      case 'SS': {
        const members = stringArray(x, t);
        if (members.length === 0) throw validation(`${INVALID}An string set  may not be empty`);
        const dup = duplicateListing(members, compareStrings, (a, b) => a === b);
        if (dup) throw validation(`${INVALID}Input collection [${dup.map((s) => JSON.stringify(s)).join(', ')}] contains duplicates.`);
        break;
      }
      case 'NS': {
        const members = stringArray(x, t);
        if (members.length === 0) throw validation(`${INVALID}An number set  may not be empty`);
        for (const n of members) validateNumber(n);
        const dup = duplicateListing(members, compareNumbers, (a, b) => compareNumbers(a, b) === 0);
        if (dup) throw validation(`${INVALID}Input collection contains duplicates.`);
        break;
      }
      case 'BS': {
        const members = stringArray(x, t);
        if (members.length === 0) throw validation(`${INVALID}Binary sets should not be empty`);
        const dup = duplicateListing(members, (a, b) => Buffer.compare(decode(a), decode(b)), (a, b) => decode(a).equals(decode(b)));
        if (dup) throw validation(`${INVALID}Input collection [${dup.map((s) => JSON.stringify(s)).join(',')}]of type BS contains duplicates.`);
        break;
      }
      case 'M':
        if (!isRecord(x)) throw serialization('Expected map for M');
        for (const e of Object.values(x)) validateValue(e);
        break;
      case 'L':
        if (!Array.isArray(x)) throw serialization('Expected list for L');
        for (const e of x) validateValue(e);
        break;
    }
  }
  if (types.length > 1) throw validation(MULTIPLE_TYPES);
}

/**
 * Validates one AttributeValue as it came off the wire (shape, numbers, sets, NULL, nesting depth),
 * throwing AWS's ValidationException with AWS's message for the first problem found.
 */
export function validateAttributeValue(value: unknown): asserts value is AttributeValue {
  if (depthOf(value) > MAX_NESTING_DEPTH) throw validation(NESTING);
  validateValue(value);
}

/** Validates every attribute value of an item (see validateAttributeValue). */
export function validateItemValues(item: Record<string, unknown>): asserts item is Item {
  for (const v of Object.values(item)) validateAttributeValue(v);
}

// ---------------------------------------------------------------------------------------------- normal form

/**
 * The value as DynamoDB stores and returns it: numbers (and number-set members) in canonical form, and
 * nothing but the one type member (stray or null members of a validated value are dropped).
 */
export function normalizeAttributeValue(v: AttributeValue): AttributeValue {
  switch (typeOf(v)) {
    case 'S':
      return { S: (v as { S: string }).S };
    case 'N':
      return { N: normalizeNumber((v as { N: string }).N) };
    case 'B':
      return { B: (v as { B: string }).B };
    case 'BOOL':
      return { BOOL: (v as { BOOL: boolean }).BOOL };
    case 'NULL':
      return { NULL: true };
    case 'SS':
      return { SS: [...(v as { SS: string[] }).SS] };
    case 'NS':
      return { NS: (v as { NS: string[] }).NS.map(normalizeNumber) };
    case 'BS':
      return { BS: [...(v as { BS: string[] }).BS] };
    case 'L':
      return { L: (v as { L: AttributeValue[] }).L.map(normalizeAttributeValue) };
    case 'M': {
      const m: Record<string, AttributeValue> = {};
      for (const [k, e] of Object.entries((v as { M: Record<string, AttributeValue> }).M)) m[k] = normalizeAttributeValue(e);
      return { M: m };
    }
  }
}

/** Every attribute of an item in stored form (see normalizeAttributeValue). */
export function normalizeItemValues(item: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) out[k] = normalizeAttributeValue(v);
  return out;
}

// ---------------------------------------------------------------------------------------------- ordering and equality

/**
 * Orders two values the way DynamoDB's comparators do: S by UTF-8 bytes, N numerically, B by unsigned bytes.
 * Undefined when the types differ or are not ordered types.
 */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareStrings(a.S, b.S);
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('B' in a && 'B' in b) return Buffer.compare(decode(a.B), decode(b.B));
  return undefined;
}

function sameMembers(a: string[], b: string[], eq: (x: string, y: string) => boolean): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => eq(x, y))) && b.every((y) => a.some((x) => eq(x, y)));
}

/** Deep equality as DynamoDB's `=` sees it: same type and value; sets order-insensitive; numbers by value. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S === b.S;
  if ('N' in a) return 'N' in b && compareNumbers(a.N, b.N) === 0;
  if ('B' in a) return 'B' in b && decode(a.B).equals(decode(b.B));
  if ('BOOL' in a) return 'BOOL' in b && a.BOOL === b.BOOL;
  if ('NULL' in a) return 'NULL' in b;
  if ('SS' in a) return 'SS' in b && sameMembers(a.SS, b.SS, (x, y) => x === y);
  if ('NS' in a) return 'NS' in b && sameMembers(a.NS, b.NS, (x, y) => compareNumbers(x, y) === 0);
  if ('BS' in a) return 'BS' in b && sameMembers(a.BS, b.BS, (x, y) => decode(x).equals(decode(y)));
  if ('L' in a) return 'L' in b && a.L.length === b.L.length && a.L.every((x, i) => valuesEqual(x, b.L[i]!));
  if ('M' in a) {
    if (!('M' in b)) return false;
    const ka = Object.keys(a.M);
    if (ka.length !== Object.keys(b.M).length) return false;
    return ka.every((k) => b.M[k] !== undefined && valuesEqual(a.M[k]!, b.M[k]!));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------- size

function utf8(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Bytes one value contributes to its item's size. */
export function attributeValueSize(v: AttributeValue): number {
  if ('S' in v) return utf8(v.S);
  if ('N' in v) return numberSize(v.N);
  if ('B' in v) return decode(v.B).length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('SS' in v) return v.SS.reduce((n, s) => n + utf8(s), 0);
  if ('NS' in v) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if ('BS' in v) return v.BS.reduce((n, s) => n + decode(s).length, 0);
  if ('L' in v) return 3 + v.L.reduce((n, e) => n + 1 + attributeValueSize(e), 0);
  return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + utf8(k) + attributeValueSize(e), 0);
}

/** DynamoDB's item size: UTF-8 length of every attribute name plus the size of its value. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, v] of Object.entries(item)) size += utf8(name) + attributeValueSize(v);
  return size;
}

// ---------------------------------------------------------------------------------------------- one pass

/**
 * Validation, normal form and size of a whole item in one walk — the write path's hot loop (BatchWriteItem
 * spent most of its JavaScript time validating, normalising and sizing each value in three passes, every
 * number parsed three times). Handles the usual shapes only: a value with exactly one member of type
 * S, N, B, BOOL, NULL, SS, NS, M or L, numbers parsed once. Anything else — an error, a stray member, a
 * binary set, nesting past the limit, a duplicate set member — returns undefined, and the caller takes the
 * three-pass route, which throws AWS's exact error in AWS's order. So this can only ever accept what that
 * route accepts, with the same result.
 */
export function prepareItemValues(raw: Record<string, unknown>): { item: Item; size: number } | undefined {
  if (Array.isArray(raw)) return undefined;
  passSize = 0;
  const item: Item = {};
  for (const name in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, name)) return undefined;
    const v = passValue(raw[name], 1);
    if (v === undefined) return undefined;
    passSize += utf8(name);
    item[name] = v;
  }
  return { item, size: passSize };
}

/** Size accumulated by the current prepareItemValues walk (synchronous, so one module variable serves). */
let passSize = 0;

function passValue(v: unknown, depth: number): AttributeValue | undefined {
  if (typeof v !== 'object' || v === null || depth > MAX_NESTING_DEPTH) return undefined;
  let type: string | undefined;
  for (const k in v) {
    if (type !== undefined) return undefined;
    type = k;
  }
  const r = v as Record<string, unknown>;
  switch (type) {
    case 'S': {
      const s = r.S;
      if (typeof s !== 'string') return undefined;
      passSize += utf8(s);
      return { S: s };
    }
    case 'N': {
      const n = r.N;
      if (typeof n !== 'string') return undefined;
      const text = passNumber(n);
      return text === undefined ? undefined : { N: text };
    }
    case 'B': {
      const b = r.B;
      if (typeof b !== 'string') return undefined;
      passSize += decode(b).length;
      return { B: b };
    }
    case 'BOOL': {
      const b = r.BOOL;
      if (typeof b !== 'boolean') return undefined;
      passSize += 1;
      return { BOOL: b };
    }
    case 'NULL':
      if (r.NULL !== true) return undefined;
      passSize += 1;
      return { NULL: true };
    case 'SS': {
      const ss = r.SS;
      if (!Array.isArray(ss) || ss.length === 0) return undefined;
      for (const s of ss) {
        if (typeof s !== 'string') return undefined;
        passSize += utf8(s);
      }
      if (ss.length > 1 && new Set(ss).size !== ss.length) return undefined;
      return { SS: [...(ss as string[])] };
    }
    case 'NS': {
      const ns = r.NS;
      if (!Array.isArray(ns) || ns.length === 0) return undefined;
      const out: string[] = new Array<string>(ns.length);
      for (let i = 0; i < ns.length; i++) {
        const n = ns[i] as unknown;
        if (typeof n !== 'string') return undefined;
        const text = passNumber(n);
        if (text === undefined) return undefined;
        out[i] = text;
      }
      // Canonical text is unique per numeric value, so equal texts are exactly the duplicates.
      if (out.length > 1 && new Set(out).size !== out.length) return undefined;
      return { NS: out };
    }
    case 'M': {
      const m = r.M;
      if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
      passSize += 3;
      const out: Record<string, AttributeValue> = {};
      for (const k in m) {
        if (!Object.prototype.hasOwnProperty.call(m, k)) return undefined;
        const e = passValue((m as Record<string, unknown>)[k], depth + 1);
        if (e === undefined) return undefined;
        passSize += 1 + utf8(k);
        out[k] = e;
      }
      return { M: out };
    }
    case 'L': {
      const l = r.L;
      if (!Array.isArray(l)) return undefined;
      passSize += 3;
      const out: AttributeValue[] = new Array<AttributeValue>(l.length);
      for (let i = 0; i < l.length; i++) {
        const e = passValue(l[i], depth + 1);
        if (e === undefined) return undefined;
        passSize += 1;
        out[i] = e;
      }
      return { L: out };
    }
    default:
      return undefined;
  }
}

/** A number's canonical text, its size added to passSize; undefined when it is not a storable number. */
function passNumber(text: string): string | undefined {
  const size = canonicalNumberSize(text);
  if (size > 0) {
    passSize += size;
    return text;
  }
  const p = parseNumber(text);
  if (!p.ok) return undefined;
  passSize += decimalSize(p.value);
  return plainText(p.value);
}

function decimalSize(d: Decimal): number {
  if (d.digits === '') return 1;
  const last = d.scale;
  const first = d.scale + d.digits.length - 1;
  return 1 + Math.floor(first / 2) - Math.floor(last / 2) + 1 + (d.negative ? 1 : 0);
}

/**
 * The size of a number already written in canonical form (what SDKs send for integers and plain decimals:
 * "42", "-7", "1234.5", "0.05"), read without building a Decimal; 0 when the text is anything else
 * (leading or trailing zeros, exponent, "+", "-0", more than 38 digits...), which the general parser handles.
 */
export function canonicalNumberSize(text: string): number {
  const len = text.length;
  if (len === 0 || len > 40) return 0;
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative) i = 1;
  const intStart = i;
  while (i < len && isDigit(text.charCodeAt(i))) i++;
  const intLen = i - intStart;
  if (intLen === 0) return 0;
  const leadingZero = text.charCodeAt(intStart) === 48;
  if (leadingZero && intLen > 1) return 0;
  let fracLen = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46) return 0;
    i++;
    const fracStart = i;
    while (i < len && isDigit(text.charCodeAt(i))) i++;
    fracLen = i - fracStart;
    if (i !== len || fracLen === 0 || text.charCodeAt(len - 1) === 48) return 0;
  }
  if (intLen + fracLen > 38) return 0;
  let first: number;
  let last: number;
  if (leadingZero) {
    if (fracLen === 0) return negative ? 0 : 1; // "0" is canonical and costs 1; "-0" is not canonical
    let p = intStart + 2;
    while (text.charCodeAt(p) === 48) p++;
    first = -(p - (intStart + 2) + 1);
    last = -fracLen;
  } else {
    first = intLen - 1;
    if (fracLen > 0) {
      last = -fracLen;
    } else {
      let end = intStart + intLen;
      while (text.charCodeAt(end - 1) === 48) end--;
      last = intStart + intLen - end;
    }
  }
  return 1 + Math.floor(first / 2) - Math.floor(last / 2) + 1 + (negative ? 1 : 0);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
