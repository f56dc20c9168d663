/**
 * Amazon Ion text lines of export data files (spec section 5).
 *
 *   full:        $ion_1_0 {Item:{...}}\n
 *   incremental: $ion_1_0 {Metadata:{WriteTimestampMicros:<decimal>},Keys:{...},OldImage:{...},NewImage:{...}}\n
 *
 * The text is what ion-java's text writer (and ion-js's, its port) prints: decimals like printDecimal
 * (`103.`, `6d2`, `1.5`, `0.001`, `1d-7`), field names bare when identifiers, else single-quoted
 * (`'my-attr'`, `'null'`, `'$12'`), blobs `{{base64}}`, strings escaped like ion-java with a UTF-8
 * charset, no spaces. DynamoDB numbers become decimals with trailing zeros stripped
 * (BigDecimal.stripTrailingZeros), sets become lists annotated `$dynamodb_SS` / `$dynamodb_NS` /
 * `$dynamodb_BS`, NULL becomes `null`.
 *
 * Writing uses a small serializer of its own (ion-js's writer is far too slow per item); it is tested to
 * produce exactly ion-js's writer text. Reading ({@link ionRecordFromLine}) uses ion-js's reader and turns
 * a line back into DynamoDB wire values; the verifier and the tests use it to prove lines round-trip.
 */
import { Decimal, IonTypes, makeReader, makeTextWriter, type Reader, type Writer } from 'ion-js';
import type { AttributeValue, Item } from '../../dynamodb/types.js';
import { incrementalRecordParts, type ExportViewType, type IncrementalChange } from './ddb-json.js';
import { ionStructFromJson } from './ion-from-json.js';

export const ION_VERSION_MARKER = '$ion_1_0';

const SET_ANNOTATION = { SS: '$dynamodb_SS', NS: '$dynamodb_NS', BS: '$dynamodb_BS' } as const;

/** A DynamoDB number as an Ion decimal with trailing zeros stripped (so 600 is 6d2, 1.50 is 1.5). */
export function ionDecimalOf(n: string): Decimal {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a number: ${n}`);
  const frac = m[3] ?? '';
  let digits = (m[2]! + frac).replace(/^0+/, '');
  let exponent = Number(m[4] ?? '0') - frac.length;
  if (digits === '') return new Decimal(0n, 0, false);
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48 /* '0' */) end--;
  exponent += digits.length - end;
  digits = digits.slice(0, end);
  return new Decimal(BigInt(digits), exponent, m[1] === '-');
}

/** DynamoDB's canonical number text (plain notation, no trailing fractional zeros) of an Ion decimal. */
export function dynamoNumberOfDecimal(d: Decimal): string {
  let coef = d.getCoefficient();
  if (coef < 0n) coef = -coef;
  let exp = d.getExponent();
  let digits = coef.toString();
  if (digits === '0') return '0';
  while (digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  let body: string;
  if (exp >= 0) body = digits + '0'.repeat(exp);
  else {
    const point = digits.length + exp;
    body = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`;
  }
  return d.isNegative() ? `-${body}` : body;
}

// ------------------------------------------------------------------------------------------ writing
//
// A small text serializer that mirrors ion-java's _Private_IonTextAppender (which ion-js's text writer
// ports): ion-js's writer produces the same text but is ~20x slower (~55 µs per item), too slow for
// exports of millions of items. The unit tests check, for generated items, that this serializer's text
// is identical to ion-js's writer's and that ion-js reads every line back to the source item.

/** Escapes of U+0000..U+00FF inside double-quoted strings (null: written as is). */
const STRING_ESCAPES: Array<string | null> = new Array<string | null>(256).fill(null);
for (let i = 0; i < 0x20; i++) STRING_ESCAPES[i] = `\\x${i.toString(16).padStart(2, '0')}`;
Object.assign(STRING_ESCAPES, { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' });
STRING_ESCAPES[0x22] = '\\"';
STRING_ESCAPES[0x5c] = '\\\\';
// C1 controls and DEL are always escaped; U+00A0..U+00FF are written raw in UTF-8 output.
for (let i = 0x7f; i <= 0x9f; i++) STRING_ESCAPES[i] = `\\x${i.toString(16)}`;
/** Same for single-quoted symbols: ' is escaped, " is not. */
const SYMBOL_ESCAPES = STRING_ESCAPES.slice();
SYMBOL_ESCAPES[0x22] = null;
SYMBOL_ESCAPES[0x27] = "\\'";

const NEEDS_STRING_ESCAPE = /["\\\x00-\x1f\x7f-\x9f]/;
const NEEDS_SYMBOL_ESCAPE = /['\\\x00-\x1f\x7f-\x9f]/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Keywords, and names a reader takes for a symbol id: ion-java quotes `$<digits>`; ion-js also reads
 * `$0x1f`, `$0b101` and `$1e5` as ids, so those are quoted too (an unquoted one would not read back). */
export const SYMBOL_ID_LIKE = /^\$(\d+|0[xX][0-9a-fA-F]+|0[bB][01]+|\d+[eE][+-]?\d+)$/;
const KEYWORD = /^(null|true|false|nan)$/;

function escapeText(s: string, table: Array<string | null>): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) continue;
    const e = table[c];
    if (e === null || e === undefined) continue;
    out += s.slice(from, i) + e;
    from = i + 1;
  }
  return out + s.slice(from);
}

/** Ion text of a string value: `"..."` with ion-java's escapes. */
export function ionString(s: string): string {
  return NEEDS_STRING_ESCAPE.test(s) ? `"${escapeText(s, STRING_ESCAPES)}"` : `"${s}"`;
}

/** Ion text of a symbol (field name): bare when an identifier that is not a keyword, else single-quoted. */
export function ionSymbol(s: string): string {
  if (IDENTIFIER.test(s) && !KEYWORD.test(s) && !SYMBOL_ID_LIKE.test(s)) return s;
  return NEEDS_SYMBOL_ESCAPE.test(s) ? `'${escapeText(s, SYMBOL_ESCAPES)}'` : `'${s}'`;
}

/** Ion text of a DynamoDB number, as ion-java's printDecimal prints it after stripTrailingZeros. */
export function ionNumber(n: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a number: ${n}`);
  const frac = m[3] ?? '';
  let digits = m[2]! + frac;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  if (lead === digits.length) return '0.';
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  const exponent = Number(m[4] ?? '0') - frac.length + (digits.length - end);
  digits = digits.slice(lead, end);
  const sign = m[1] === '-' ? '-' : '';
  if (exponent === 0) return `${sign}${digits}.`;
  if (exponent > 0) return `${sign}${digits}d${exponent}`;
  const scale = -exponent;
  const adjusted = digits.length - 1 - scale;
  if (adjusted >= 0) {
    const whole = digits.length - scale;
    return `${sign}${digits.slice(0, whole)}.${digits.slice(whole)}`;
  }
  if (adjusted >= -6) return `${sign}0.${'0'.repeat(scale - digits.length)}${digits}`;
  return `${sign}${digits}d-${scale}`;
}

function ionBlob(b64: string): string {
  // Re-encode so the text is canonical padded base64 whatever form the stored text had.
  return `{{${Buffer.from(b64, 'base64').toString('base64')}}}`;
}

function valueText(v: AttributeValue): string {
  if ('S' in v) return ionString(v.S);
  if ('N' in v) return ionNumber(v.N);
  if ('M' in v) return structText(v.M);
  if ('BOOL' in v) return v.BOOL ? 'true' : 'false';
  if ('NULL' in v) return 'null';
  if ('L' in v) return `[${v.L.map(valueText).join(',')}]`;
  if ('B' in v) return ionBlob(v.B);
  if ('SS' in v) return `${SET_ANNOTATION.SS}::[${v.SS.map(ionString).join(',')}]`;
  if ('NS' in v) return `${SET_ANNOTATION.NS}::[${v.NS.map(ionNumber).join(',')}]`;
  if ('BS' in v) return `${SET_ANNOTATION.BS}::[${v.BS.map(ionBlob).join(',')}]`;
  throw new Error(`unsupported attribute value: ${JSON.stringify(v)}`);
}

function structText(item: Item): string {
  let s = '{';
  let first = true;
  for (const k in item) {
    if (!Object.prototype.hasOwnProperty.call(item, k)) continue;
    s += `${first ? '' : ','}${ionSymbol(k)}:${valueText(item[k]!)}`;
    first = false;
  }
  return s + '}';
}

/** Ion text of one item as a struct (no version marker, no newline), attributes in the given order. */
export function ionItemText(item: Item): string {
  return structText(item);
}

/** Full-export line `$ion_1_0 {Item:{...}}\n`; takes an item or its stored wire-JSON text. */
export function fullIonLine(item: Item | string): string {
  const text = typeof item === 'string' ? (ionStructFromJson(item) ?? structText(JSON.parse(item) as Item)) : structText(item);
  return `${ION_VERSION_MARKER} {Item:${text}}\n`;
}

/**
 * Incremental record line (Strata's inference by analogy with DynamoDB JSON; no real Ion incremental
 * file has been seen): `$ion_1_0 {Metadata:{WriteTimestampMicros:<decimal>},Keys:{...},OldImage:{...},NewImage:{...}}`.
 * Same view rules and key order as {@link incrementalJsonLine}; null when the change produces no record.
 */
export function incrementalIonLine(change: IncrementalChange, view: ExportViewType): string | null {
  const p = incrementalRecordParts(change, view);
  if (!p) return null;
  let s = `${ION_VERSION_MARKER} {Metadata:{WriteTimestampMicros:${ionNumber(p.micros)}},Keys:${structText(p.keys)}`;
  if (p.oldImage) s += `,OldImage:${structText(p.oldImage)}`;
  if (p.newImage) s += `,NewImage:${structText(p.newImage)}`;
  return s + '}\n';
}

// ------------------------------------------------------------------- ion-js writer (reference)

function writeValue(w: Writer, v: AttributeValue): void {
  if ('S' in v) w.writeString(v.S);
  else if ('N' in v) w.writeDecimal(ionDecimalOf(v.N));
  else if ('B' in v) w.writeBlob(Buffer.from(v.B, 'base64'));
  else if ('BOOL' in v) w.writeBoolean(v.BOOL);
  else if ('NULL' in v) w.writeNull(IonTypes.NULL);
  else if ('SS' in v || 'NS' in v || 'BS' in v) {
    w.setAnnotations(['SS' in v ? SET_ANNOTATION.SS : 'NS' in v ? SET_ANNOTATION.NS : SET_ANNOTATION.BS]);
    w.stepIn(IonTypes.LIST);
    if ('SS' in v) for (const s of v.SS) w.writeString(s);
    else if ('NS' in v) for (const n of v.NS) w.writeDecimal(ionDecimalOf(n));
    else for (const b of v.BS) w.writeBlob(Buffer.from(b, 'base64'));
    w.stepOut();
  } else if ('L' in v) {
    w.stepIn(IonTypes.LIST);
    for (const e of v.L) writeValue(w, e);
    w.stepOut();
  } else if ('M' in v) {
    writeStruct(w, v.M);
  } else {
    throw new Error(`unsupported attribute value: ${JSON.stringify(v)}`);
  }
}

function writeStruct(w: Writer, item: Item): void {
  w.stepIn(IonTypes.STRUCT);
  for (const k of Object.keys(item)) {
    w.writeFieldName(k);
    writeValue(w, item[k]!);
  }
  w.stepOut();
}

/**
 * The same struct text as {@link ionItemText}, produced by ion-js's own text writer. Too slow for
 * exports; kept as the reference the serializer above is tested against.
 */
export function ionItemTextViaIonJs(item: Item): string {
  const w = makeTextWriter();
  writeStruct(w, item);
  w.close();
  return new TextDecoder().decode(w.getBytes());
}

// ------------------------------------------------------------------------------------------ reading

/** One parsed data-file line, in DynamoDB wire values. Field order is kept as read. */
export interface ExportRecord {
  Item?: Item;
  Metadata?: { WriteTimestampMicros: { N: string } };
  Keys?: Item;
  OldImage?: Item;
  NewImage?: Item;
}

function fail(msg: string): never {
  throw new Error(msg);
}

function readValue(r: Reader, path: string): AttributeValue {
  const t = r.type();
  const ann = r.annotations();
  if (t === null) fail(`${path}: missing value`);
  if (r.isNull()) {
    if (t !== IonTypes.NULL) fail(`${path}: typed null ${t.name} is not a DynamoDB value`);
    if (ann.length) fail(`${path}: annotated null`);
    return { NULL: true };
  }
  if (t === IonTypes.LIST) {
    if (ann.length > 1) fail(`${path}: more than one annotation`);
    const a = ann[0];
    r.stepIn();
    try {
      if (a === undefined) {
        const L: AttributeValue[] = [];
        while (r.next() !== null) L.push(readValue(r, `${path}[${L.length}]`));
        return { L };
      }
      if (a === SET_ANNOTATION.SS || a === SET_ANNOTATION.NS || a === SET_ANNOTATION.BS) {
        const want = a === SET_ANNOTATION.SS ? IonTypes.STRING : a === SET_ANNOTATION.NS ? IonTypes.DECIMAL : IonTypes.BLOB;
        const out: string[] = [];
        while (r.next() !== null) {
          if (r.type() !== want || r.isNull() || r.annotations().length) fail(`${path}: ${a} element is not a ${want.name}`);
          if (want === IonTypes.STRING) out.push(r.stringValue()!);
          else if (want === IonTypes.DECIMAL) out.push(dynamoNumberOfDecimal(r.decimalValue()!));
          else out.push(Buffer.from(r.uInt8ArrayValue()!).toString('base64'));
        }
        if (out.length === 0) fail(`${path}: empty set`);
        return a === SET_ANNOTATION.SS ? { SS: out } : a === SET_ANNOTATION.NS ? { NS: out } : { BS: out };
      }
      fail(`${path}: unknown annotation ${a}`);
    } finally {
      r.stepOut();
    }
  }
  if (ann.length) fail(`${path}: unexpected annotation ${ann.join('::')}`);
  switch (t) {
    case IonTypes.STRING:
      return { S: r.stringValue()! };
    case IonTypes.BOOL:
      return { BOOL: r.booleanValue()! };
    case IonTypes.DECIMAL:
      return { N: dynamoNumberOfDecimal(r.decimalValue()!) };
    case IonTypes.BLOB:
      return { B: Buffer.from(r.uInt8ArrayValue()!).toString('base64') };
    case IonTypes.STRUCT:
      return { M: readStructBody(r, path) };
    default:
      fail(`${path}: Ion ${t.name} is not used by DynamoDB exports`);
  }
}

/** Reads the struct the reader is positioned on (not yet stepped in). */
function readStructBody(r: Reader, path: string): Item {
  const out: Item = {};
  r.stepIn();
  while (r.next() !== null) {
    const name = r.fieldName();
    if (name === null) fail(`${path}: field without a name`);
    if (Object.prototype.hasOwnProperty.call(out, name)) fail(`${path}: duplicate field ${name}`);
    out[name] = readValue(r, `${path}.${name}`);
  }
  r.stepOut();
  return out;
}

function readTopStruct(r: Reader, path: string): Item {
  if (r.type() !== IonTypes.STRUCT || r.isNull() || r.annotations().length) fail(`${path}: expected a struct`);
  return readStructBody(r, path);
}

/**
 * Parses one Ion data-file line (full or incremental record) into DynamoDB wire values.
 * Throws with a description when the line is not a well-formed export record.
 */
export function ionRecordFromLine(line: string): ExportRecord {
  if (!line.startsWith(`${ION_VERSION_MARKER} `)) fail('line does not start with "$ion_1_0 "');
  const r = makeReader(line);
  const t = r.next();
  if (t !== IonTypes.STRUCT || r.isNull() || r.annotations().length) fail('top-level value is not a struct');
  const rec: ExportRecord = {};
  r.stepIn();
  while (r.next() !== null) {
    const name = r.fieldName();
    switch (name) {
      case 'Item':
      case 'Keys':
      case 'OldImage':
      case 'NewImage':
        if (rec[name]) fail(`duplicate field ${name}`);
        rec[name] = readTopStruct(r, name);
        break;
      case 'Metadata': {
        if (rec.Metadata) fail('duplicate field Metadata');
        const md = readTopStruct(r, 'Metadata');
        const keys = Object.keys(md);
        const ts = md.WriteTimestampMicros;
        if (keys.length !== 1 || !ts || !('N' in ts)) fail('Metadata must hold exactly WriteTimestampMicros (a decimal)');
        rec.Metadata = { WriteTimestampMicros: { N: ts.N } };
        break;
      }
      default:
        fail(`unexpected top-level field ${String(name)}`);
    }
  }
  r.stepOut();
  if (r.next() !== null) fail('more than one top-level value on the line');
  return rec;
}
