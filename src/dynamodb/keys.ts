import { validation } from '../server/errors.js';
import { decodeKeyValue, encodeKeyValue, partitionHash } from '../storage/key-codec.js';
import type { IndexItem, KeyRef, Position, StoredItem } from '../storage/store.js';
import type { KeyShape } from './table-state.js';
import type { AttributeValue, Item, ScalarKeyType } from './types.js';

const EMPTY: Buffer = Buffer.alloc(0);

export function typeOf(v: AttributeValue): string {
  return Object.keys(v)[0] ?? '';
}

/** Checks a Key parameter against the table's key schema, with DynamoDB's messages. */
export function validateKey(key: Item | undefined, shape: KeyShape): void {
  if (!key || typeof key !== 'object') throw validation('The provided key element does not match the schema');
  const names = Object.keys(key);
  const expected = shape.range ? 2 : 1;
  if (names.length !== expected) throw validation('The provided key element does not match the schema');
  for (const attr of [shape.hash, shape.range]) {
    if (!attr) continue;
    const v = key[attr.name];
    if (!v || typeOf(v) !== attr.type) throw validation('The provided key element does not match the schema');
    checkNotEmpty(attr.name, attr.type, v);
  }
}

/** Checks that an item to put carries the key attributes with the right types. */
export function validateItemKey(item: Item, shape: KeyShape): void {
  for (const attr of [shape.hash, shape.range]) {
    if (!attr) continue;
    const v = item[attr.name];
    if (!v) throw validation(`One or more parameter values were invalid: Missing the key ${attr.name} in the item`);
    const t = typeOf(v);
    if (t !== attr.type) {
      throw validation(`One or more parameter values were invalid: Type mismatch for key ${attr.name} expected: ${attr.type} actual: ${t}`);
    }
    checkNotEmpty(attr.name, attr.type, v);
  }
}

function checkNotEmpty(name: string, type: ScalarKeyType, v: AttributeValue): void {
  if (type === 'S' && (v as { S: string }).S === '') {
    throw validation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`);
  }
  if (type === 'B' && (v as { B: string }).B === '') {
    throw validation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: ${name}`);
  }
}

export function keyOf(item: Item, shape: KeyShape): Item {
  const key: Item = { [shape.hash.name]: item[shape.hash.name]! };
  if (shape.range) key[shape.range.name] = item[shape.range.name]!;
  return key;
}

export function refOf(table: number, key: Item, shape: KeyShape): KeyRef {
  const pk = encodeKeyValue(shape.hash.type, key[shape.hash.name]!);
  const sk = shape.range ? encodeKeyValue(shape.range.type, key[shape.range.name]!) : EMPTY;
  return { table, h: partitionHash(pk), pk, sk };
}

export function positionOf(key: Item, shape: KeyShape): Position {
  const ref = refOf(0, key, shape);
  return { h: ref.h, pk: ref.pk, sk: ref.sk };
}

/** The key of a stored row as wire attributes (for LastEvaluatedKey). */
export function wireKey(row: Pick<StoredItem, 'pk' | 'sk'>, shape: KeyShape): Item {
  const key: Item = { [shape.hash.name]: decodeKeyValue(shape.hash.type, row.pk) };
  if (shape.range) key[shape.range.name] = decodeKeyValue(shape.range.type, row.sk);
  return key;
}

/** An index's keys: its own key attributes from the item, or undefined when the item is not in the index. */
export function indexKeyOf(item: Item, shape: KeyShape): { ih: number; ipk: Buffer; isk: Buffer } | undefined {
  const hv = item[shape.hash.name];
  if (!hv || typeOf(hv) !== shape.hash.type) return undefined;
  let isk: Buffer = EMPTY;
  if (shape.range) {
    const rv = item[shape.range.name];
    if (!rv || typeOf(rv) !== shape.range.type) return undefined;
    isk = encodeKeyValue(shape.range.type, rv);
  }
  const ipk = encodeKeyValue(shape.hash.type, hv);
  return { ih: partitionHash(ipk), ipk, isk };
}

export function wireIndexKey(row: Pick<IndexItem, 'pk' | 'sk' | 'ipk' | 'isk'>, tableShape: KeyShape, indexShape: KeyShape): Item {
  return { ...wireKey(row, tableShape), ...wireKey({ pk: row.ipk, sk: row.isk }, indexShape) };
}
