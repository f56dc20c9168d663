import { validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import type { ItemWrite, KeyRef } from '../storage/store.js';
import { consumed, readUnits, writeUnits } from './capacity.js';
import { ConstraintChecker } from './constraints.js';
import { assertAllUsed } from './expressions/index.js';
import { expressionContext, itemWrite, parsedItem, prepareItem, projectionOf } from './items.js';
import { keyOf, refOf, validateKey } from './keys.js';
import { normalizeItemValues as normalizeItem } from './values.js';
import type { DynamoService, LoadedTable } from './service.js';
import { tableKeyShape } from './table-state.js';
import type { Item } from './types.js';

type Input = Record<string, unknown>;

const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;
/** BatchGetItem returns at most 16 MB; the rest comes back as UnprocessedKeys. */
const MAX_BATCH_GET_BYTES = 16 * 1024 * 1024;

function refKey(r: KeyRef): string {
  return `${r.table}:${r.pk.toString('hex')}:${r.sk.toString('hex')}`;
}

interface PlannedWrite {
  table: LoadedTable;
  key: Item;
  ref: KeyRef;
  put?: { item: Item; size: number };
}

export function batchWriteItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.RequestItems, 'requestItems');
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  c.oneOf(input.ReturnItemCollectionMetrics, 'returnItemCollectionMetrics', ['SIZE', 'NONE']);
  const requestItems = (input.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
  for (const [name, reqs] of Object.entries(requestItems)) {
    c.tableNameOrArn(name, 'requestItems.key');
    if (!Array.isArray(reqs) || reqs.length < 1) c.fail(reqs, `requestItems.${name}.member`, 'Member must have length greater than or equal to 1');
    else if (reqs.length > MAX_BATCH_WRITE) c.fail(reqs, `requestItems.${name}.member`, `Member must have length less than or equal to ${MAX_BATCH_WRITE}`);
  }
  if (input.RequestItems && Object.keys(requestItems).length < 1) c.fail(input.RequestItems, 'requestItems', 'Member must have length greater than or equal to 1');
  c.throwIfAny();
  const total = Object.values(requestItems).reduce((n, r) => n + r.length, 0);
  if (total > MAX_BATCH_WRITE) {
    throw validation(`1 validation error detected: Value '${JSON.stringify(requestItems)}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`);
  }
  const planned: PlannedWrite[] = [];
  const seen = new Set<string>();
  for (const [name, reqs] of Object.entries(requestItems)) {
    const table = svc.requireTable(rc, name);
    const shape = tableKeyShape(table.state);
    for (const r of reqs) {
      if (!!r.PutRequest === !!r.DeleteRequest) throw validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
      let p: PlannedWrite;
      if (r.PutRequest) {
        const put = prepareItem(table.state, r.PutRequest.Item);
        const key = keyOf(put.item, shape);
        p = { table, key, ref: refOf(table.uid, key, shape), put };
      } else {
        validateKey(r.DeleteRequest!.Key, shape);
        const key = normalizeItem(r.DeleteRequest!.Key);
        p = { table, key, ref: refOf(table.uid, key, shape) };
      }
      const k = refKey(p.ref);
      if (seen.has(k)) throw validation('Provided list of item keys contains duplicates');
      seen.add(k);
      planned.push(p);
    }
  }
  const { result } = svc.store.mutate(planned.map((p) => p.ref), (current) => {
    const writes: ItemWrite[] = [];
    const units = new Map<string, number>();
    planned.forEach((p, i) => {
      const old = parsedItem(current[i]);
      if (!p.put && !old) return;
      writes.push(itemWrite(p.table, p.key, old, p.put));
      const name = p.table.state.TableName;
      units.set(name, (units.get(name) ?? 0) + writeUnits(current[i]?.size ?? 0, p.put?.size ?? 0));
    });
    return { writes, result: units };
  });
  const out: Record<string, unknown> = { UnprocessedItems: {} };
  if (input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES') {
    const tables = new Map(planned.map((p) => [p.table.state.TableName, p.table]));
    out.ConsumedCapacity = [...tables.values()].map((t) => consumed(t.state, input.ReturnConsumedCapacity, result.get(t.state.TableName) ?? 0, 'write'));
  }
  return out;
}

export function batchGetItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.RequestItems, 'requestItems');
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  const requestItems = (input.RequestItems ?? {}) as Record<string, Input & { Keys: Item[] }>;
  for (const [name, req] of Object.entries(requestItems)) {
    c.tableNameOrArn(name, 'requestItems.key');
    if (!Array.isArray(req.Keys)) c.required(undefined, `requestItems.${name}.member.keys`);
    else if (req.Keys.length < 1) c.fail(req.Keys, `requestItems.${name}.member.keys`, 'Member must have length greater than or equal to 1');
  }
  if (input.RequestItems && Object.keys(requestItems).length < 1) c.fail(input.RequestItems, 'requestItems', 'Member must have length greater than or equal to 1');
  c.throwIfAny();
  const total = Object.values(requestItems).reduce((n, r) => n + r.Keys.length, 0);
  if (total > MAX_BATCH_GET) throw validation('Too many items requested for the BatchGetItem call');
  const responses: Record<string, Item[]> = {};
  const unprocessed: Record<string, Input & { Keys: Item[] }> = {};
  const capacity: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const [name, req] of Object.entries(requestItems)) {
    const table = svc.requireTable(rc, name);
    const shape = tableKeyShape(table.state);
    const ctx = expressionContext(req);
    const projection = projectionOf(req, ctx);
    assertAllUsed(ctx);
    const seen = new Set<string>();
    const items: Item[] = [];
    let units = 0;
    for (const rawKey of req.Keys) {
      validateKey(rawKey, shape);
      const key = normalizeItem(rawKey);
      const ref = refOf(table.uid, key, shape);
      const k = refKey(ref);
      if (seen.has(k)) throw validation('Provided list of item keys contains duplicates');
      seen.add(k);
      if (bytes >= MAX_BATCH_GET_BYTES) {
        const u = (unprocessed[name] ??= { ...req, Keys: [] });
        u.Keys.push(rawKey);
        continue;
      }
      const row = svc.store.getItem(ref);
      units += readUnits(row?.size ?? 0, req.ConsistentRead === true);
      const item = parsedItem(row);
      if (!item) continue;
      bytes += row!.size;
      items.push(projection ? projection(item) : item);
    }
    responses[name] = items;
    const cc = consumed(table.state, input.ReturnConsumedCapacity, units, 'read');
    if (cc) capacity.push(cc);
  }
  const out: Record<string, unknown> = { Responses: responses, UnprocessedKeys: unprocessed };
  if (capacity.length) out.ConsumedCapacity = capacity;
  return out;
}
