import { normalizeNumber } from './values.js';
import type { AttributeValue, Item } from './types.js';

/** DynamoDB stores and returns numbers in canonical form ("01.50" comes back as "1.5"). */
export function normalizeValue(v: AttributeValue): AttributeValue {
  if ('N' in v) return { N: normalizeNumber(v.N) };
  if ('NS' in v) return { NS: v.NS.map(normalizeNumber) };
  if ('L' in v) return { L: v.L.map(normalizeValue) };
  if ('M' in v) return { M: normalizeItem(v.M) };
  return v;
}

export function normalizeItem(item: Item): Item {
  const out: Item = {};
  for (const k of Object.keys(item)) out[k] = normalizeValue(item[k]!);
  return out;
}
