import { validation } from '../server/errors.js';
import type { IndexEntry, IndexKey } from '../storage/store.js';
import { writeUnits } from './capacity.js';
import { itemSize, valuesEqual } from './values.js';
import { indexKeyOf, refOf } from './keys.js';
import type { DynamoService, LoadedTable } from './service.js';
import { keyShapeOf, tableKeyShape, type IndexState, type KeyShape, type TableState } from './table-state.js';
import type { Item } from './types.js';

const BACKFILL_CHUNK = 1000;

export interface IndexPlan {
  name: string;
  state: IndexState;
  shape: KeyShape;
}

/** The table's secondary indexes with their key shapes, computed once per table state. */
const plans = new WeakMap<TableState, IndexPlan[]>();

export function indexPlans(state: TableState): IndexPlan[] {
  let p = plans.get(state);
  if (!p) {
    p = [...state.GlobalSecondaryIndexes, ...state.LocalSecondaryIndexes].map((i) => ({
      name: i.IndexName,
      state: i,
      shape: keyShapeOf(i.KeySchema, state.AttributeDefinitions),
    }));
    plans.set(state, p);
  }
  return p;
}

/**
 * A written item's secondary-index key attributes, when present, must have the index's key type and not
 * be empty (an item without them is simply not in the index). AWS's messages.
 */
export function validateIndexKeys(state: TableState, item: Item): void {
  const plansList = indexPlans(state);
  for (const plan of plansList) {
    for (const k of [plan.shape.hash, plan.shape.range]) {
      const v = k && item[k.name];
      if (!k || !v) continue;
      const actual = Object.keys(v)[0];
      if (actual !== k.type) {
        throw validation(`One or more parameter values were invalid: Type mismatch for Index Key ${k.name} Expected: ${k.type} Actual: ${actual} IndexName: ${plan.name}`);
      }
      const text = (v as Record<string, unknown>)[k.type];
      if (k.type !== 'N' && text === '') {
        throw validation(`One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${k.type === 'S' ? 'string' : 'binary'} value. IndexName: ${plan.name}, IndexKey: ${k.name}`);
      }
    }
  }
}

/** The item as an index stores it: its projection. */
export function projectForIndex(item: Item, plan: IndexPlan, table: KeyShape): Item {
  const proj = plan.state.Projection;
  if (proj.ProjectionType === 'ALL') return item;
  const keep = new Set([table.hash.name, plan.shape.hash.name]);
  if (table.range) keep.add(table.range.name);
  if (plan.shape.range) keep.add(plan.shape.range.name);
  if (proj.ProjectionType === 'INCLUDE') for (const a of proj.NonKeyAttributes ?? []) keep.add(a);
  const out: Item = {};
  for (const k of Object.keys(item)) if (keep.has(k)) out[k] = item[k]!;
  return out;
}

/** Index entries to delete and to put when a key's image goes from oldItem to newItem. */
export function indexChanges(state: TableState, oldItem: Item | undefined, newItem: Item | undefined): { deletes: IndexKey[]; puts: IndexEntry[] } {
  const deletes: IndexKey[] = [];
  const puts: IndexEntry[] = [];
  const plansList = indexPlans(state);
  if (plansList.length === 0) return { deletes, puts };
  const table = tableKeyShape(state);
  for (const plan of plansList) {
    if (plan.state.IndexStatus === 'DELETING') continue;
    const before = oldItem ? indexKeyOf(oldItem, plan.shape) : undefined;
    const after = newItem ? indexKeyOf(newItem, plan.shape) : undefined;
    if (before && (!after || before.ih !== after.ih || !before.ipk.equals(after.ipk) || !before.isk.equals(after.isk))) {
      deletes.push({ index: plan.name, ...before });
    }
    if (after && newItem) {
      const projected = projectForIndex(newItem, plan, table);
      puts.push({ index: plan.name, ...after, json: JSON.stringify(projected), size: itemSize(projected) });
    }
  }
  return { deletes, puts };
}

/**
 * Write units each index consumes when a key's image goes from oldItem to newItem, as AWS counts them:
 * an entry added or removed is one write of its size, an entry whose key moves is two (delete and put),
 * an entry whose projection did not change costs nothing. Indexes that cost nothing are left out.
 */
export function indexWriteUnits(state: TableState, oldItem: Item | undefined, newItem: Item | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const plansList = indexPlans(state);
  if (plansList.length === 0) return out;
  const table = tableKeyShape(state);
  for (const plan of plansList) {
    if (plan.state.IndexStatus === 'DELETING') continue;
    const kb = oldItem ? indexKeyOf(oldItem, plan.shape) : undefined;
    const ka = newItem ? indexKeyOf(newItem, plan.shape) : undefined;
    const before = kb ? projectForIndex(oldItem!, plan, table) : undefined;
    const after = ka ? projectForIndex(newItem!, plan, table) : undefined;
    if (!before && !after) continue;
    if (before && after && kb!.ipk.equals(ka!.ipk) && kb!.isk.equals(ka!.isk)) {
      if (valuesEqual({ M: before }, { M: after })) continue;
      out[plan.name] = writeUnits(itemSize(before), itemSize(after));
    } else {
      out[plan.name] = (before ? writeUnits(itemSize(before), 0) : 0) + (after ? writeUnits(0, itemSize(after)) : 0);
    }
  }
  return out;
}

/** Builds a new GSI from the table's current items in the background, then marks it ACTIVE. */
export function backfillIndex(svc: DynamoService, table: LoadedTable, indexName: string): void {
  const shape = tableKeyShape(table.state);
  let after: { h: number; pk: Buffer; sk: Buffer } | undefined;
  const step = (): void => {
    const current = svc.loadByUid(table.uid);
    const plan = current && indexPlans(current.state).find((p) => p.name === indexName);
    if (!current || !plan) return;
    const page = svc.store.readRange({ table: table.uid, forward: true, after, limit: BACKFILL_CHUNK });
    const entries = [];
    for (const row of page.items) {
      const item = JSON.parse(row.json!) as Item;
      const k = indexKeyOf(item, plan.shape);
      if (!k) continue;
      const projected = projectForIndex(item, plan, shape);
      const ref = refOf(table.uid, item, shape);
      entries.push({ index: indexName, ...k, json: JSON.stringify(projected), size: itemSize(projected), h: ref.h, pk: ref.pk, sk: ref.sk });
    }
    svc.store.putIndexEntries(table.uid, entries);
    const last = page.items[page.items.length - 1];
    if (page.truncated && last) {
      after = { h: last.h, pk: last.pk, sk: last.sk };
      setImmediate(step);
      return;
    }
    const g = current.state.GlobalSecondaryIndexes.find((i) => i.IndexName === indexName);
    if (g) {
      g.IndexStatus = 'ACTIVE';
      delete g.Backfilling;
      svc.saveState(current);
    }
  };
  setImmediate(step);
}
