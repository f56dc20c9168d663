import type { AttributeValue, ScalarKeyType } from '../dynamodb/types.js';

/**
 * Order-preserving byte encoding of DynamoDB key values, so the engine's byte order (memcmp) is
 * DynamoDB's sort order: S as UTF-8 bytes, B as raw bytes, N as a sortable decimal encoding.
 * Keys of one attribute always have one type, so types never need to be compared with each other.
 */
export function encodeKeyValue(type: ScalarKeyType, v: AttributeValue): Buffer {
  if (type === 'S') return Buffer.from((v as { S: string }).S, 'utf8');
  if (type === 'B') return Buffer.from((v as { B: string }).B, 'base64');
  return encodeNumber((v as { N: string }).N);
}

export function decodeKeyValue(type: ScalarKeyType, b: Buffer): AttributeValue {
  if (type === 'S') return { S: b.toString('utf8') };
  if (type === 'B') return { B: b.toString('base64') };
  return { N: decodeNumber(b) };
}

const NEG = 0x00;
const ZERO = 0x01;
const POS = 0x02;
const EXP_BIAS = 0x8000;

/**
 * Numbers as sign byte, 2-byte biased exponent, one byte per significant digit, terminator.
 * The value is 0.d1d2...dn × 10^e. For negatives the exponent and digits are inverted so that
 * larger magnitudes sort first, and the terminator is 0xff so a longer digit string sorts lower.
 */
export function encodeNumber(text: string): Buffer {
  const { negative, digits, exponent } = parseDecimal(text);
  if (digits.length === 0) return Buffer.from([ZERO]);
  const out = Buffer.alloc(3 + digits.length + 1);
  out[0] = negative ? NEG : POS;
  const e = negative ? EXP_BIAS - exponent : EXP_BIAS + exponent;
  out.writeUInt16BE(e, 1);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    out[3 + i] = negative ? 10 - d : d + 1;
  }
  out[3 + digits.length] = negative ? 0xff : 0x00;
  return out;
}

export function decodeNumber(b: Buffer): string {
  if (b[0] === ZERO) return '0';
  const negative = b[0] === NEG;
  const e = negative ? EXP_BIAS - b.readUInt16BE(1) : b.readUInt16BE(1) - EXP_BIAS;
  let digits = '';
  for (let i = 3; i < b.length - 1; i++) digits += String(negative ? 10 - b[i]! : b[i]! - 1);
  return (negative ? '-' : '') + formatDecimal(digits, e);
}

/** Splits a decimal string into sign, significant digits (no leading/trailing zeros) and exponent. */
export function parseDecimal(text: string): { negative: boolean; digits: string; exponent: number } {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m) throw new Error(`not a number: ${text}`);
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  let all = intPart + fracPart;
  let exponent = intPart.length + (m[4] ? parseInt(m[4], 10) : 0);
  const lead = all.search(/[^0]/);
  if (lead < 0) return { negative: false, digits: '', exponent: 0 };
  all = all.slice(lead);
  exponent -= lead;
  all = all.replace(/0+$/, '');
  return { negative: m[1] === '-', digits: all, exponent };
}

/** Formats 0.digits × 10^e as plain decimal text (DynamoDB never returns exponent notation). */
export function formatDecimal(digits: string, e: number): string {
  if (e <= 0) return '0.' + '0'.repeat(-e) + digits;
  if (e >= digits.length) return digits + '0'.repeat(e - digits.length);
  return digits.slice(0, e) + '.' + digits.slice(e);
}

/** 32-bit FNV-1a of the partition key bytes: spreads keys like DynamoDB's hash partitioning, so scans
 * run in hash order and parallel scan segments / export segments are contiguous hash ranges. */
export function partitionHash(pk: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pk.length; i++) {
    h ^= pk[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
