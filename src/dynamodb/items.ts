import { AwsError, validation } from '../server/errors.js';
import { RawJson } from '../server/json-protocol.js';
import type { RequestContext } from '../server/request-context.js';
import type { ItemWrite, StoredItem } from '../storage/store.js';
import { consumed, readUnits, writeUnits } from './capacity.js';
import { ConstraintChecker } from './constraints.js';
import {
  applyProjection, applyUpdate, assertAllUsed, checkUpdateKeys, evaluateCondition, newContext, parseCondition, parseProjection, parseUpdate, projectUpdated,
  type ExpressionContext,
} from './expressions/index.js';
import { indexChanges, indexWriteUnits, validateIndexKeys } from './indexes.js';
import { keyOf, refOf, validateItemKey, validateKey } from './keys.js';
import { applyAttributeUpdates, attributeUpdatesPlan, checkLegacyShapes, expectedCondition, rejectMixedParameters } from './legacy.js';
import { normalizeItemValues as normalizeItem } from './values.js';
import type { DynamoService, LoadedTable } from './service.js';
import { tableKeyShape, type TableState } from './table-state.js';
import type { AttributeValue, Item } from './types.js';
import { itemSize, prepareItemValues, validateItemValues } from './values.js';

export const MAX_ITEM_SIZE = 400 * 1024;

type Input = Record<string, unknown>;

export function commonChecks(c: ConstraintChecker, input: Input): void {
  c.tableNameOrArn(input.TableName);
  checkLegacyShapes(c, input);
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  c.oneOf(input.ReturnItemCollectionMetrics, 'returnItemCollectionMetrics', ['SIZE', 'NONE']);
  c.oneOf(input.ReturnValues, 'returnValues', ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW']);
  c.oneOf(input.ReturnValuesOnConditionCheckFailure, 'returnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE']);
}

export function parsedItem(row: StoredItem | undefined): Item | undefined {
  return row && row.json !== null ? (JSON.parse(row.json) as Item) : undefined;
}

export function conditionFailed(old: Item | undefined, returnOld: unknown, message = 'The conditional request failed'): AwsError {
  const extra: Record<string, unknown> = {};
  if (returnOld === 'ALL_OLD' && old) extra.Item = old;
  return new AwsError('ConditionalCheckFailedException', message, 400, extra);
}

/** A legacy Expected map (already translated) as the same kind of predicate. */
function expectedPredicate(input: Input): ((item: Item | undefined) => boolean) | undefined {
  const cond = expectedCondition(input);
  return cond && ((item) => evaluateCondition(cond, item));
}

/** Parses ConditionExpression (if any) into a predicate over the current image. */
export function conditionOf(input: Input, ctx: ExpressionContext): ((item: Item | undefined) => boolean) | undefined {
  if (typeof input.ConditionExpression !== 'string') return undefined;
  const cond = parseCondition(input.ConditionExpression, ctx, 'ConditionExpression');
  return (item) => evaluateCondition(cond, item);
}

/** Scan, BatchWriteItem and the transactions still word invalid values the older way ("contains invalid value"). */
export function expressionContext(input: Input, valueErrors: 'bare' | 'wrapped' = 'bare'): ExpressionContext {
  return newContext(
    input.ExpressionAttributeNames as Record<string, string> | undefined,
    input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined,
    { valueErrors },
  );
}

/** Validates, normalises and sizes a full item image destined for a table. */
export function prepareItem(table: TableState, raw: unknown, tooLarge = 'Item size has exceeded the maximum allowed size'): { item: Item; size: number } {
  if (!raw || typeof raw !== 'object') throw validation('1 validation error detected: Value null at \'item\' failed to satisfy constraint: Member must not be null');
  // One pass for the usual item; anything it does not take goes the three-pass way, which throws AWS's errors.
  const fast = prepareItemValues(raw as Record<string, unknown>);
  let item: Item;
  let size: number;
  if (fast) {
    ({ item, size } = fast);
    validateItemKey(item, tableKeyShape(table));
  } else {
    validateItemValues(raw as Item);
    item = normalizeItem(raw as Item);
    validateItemKey(item, tableKeyShape(table));
    size = itemSize(item);
  }
  if (size > MAX_ITEM_SIZE) throw validation(tooLarge);
  validateIndexKeys(table, item);
  return { item, size };
}

/** The write (version + index changes) that turns `old` into `next` (undefined = delete). */
export function itemWrite(t: LoadedTable, key: Item, old: Item | undefined, next: { item: Item; size: number } | undefined): ItemWrite {
  const shape = tableKeyShape(t.state);
  const changes = indexChanges(t.state, old, next?.item);
  return {
    ref: refOf(t.uid, key, shape),
    json: next ? JSON.stringify(next.item) : null,
    size: next ? next.size : 0,
    indexDeletes: changes.deletes,
    indexPuts: changes.puts,
  };
}

/** PutItem's and DeleteItem's shared request checks: shape, ReturnValues, then the condition's expressions. */
function checkPutOrDelete(input: Input, required: 'item' | 'key'): ((item: Item | undefined) => boolean) | undefined {
  const c = new ConstraintChecker();
  commonChecks(c, input);
  c.required(required === 'item' ? input.Item : input.Key, required);
  c.throwIfAny();
  rejectMixedParameters(input, ['ConditionExpression'], ['Expected', 'ConditionalOperator']);
  if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE' && input.ReturnValues !== 'ALL_OLD') {
    throw validation('ReturnValues can only be ALL_OLD or NONE');
  }
  const expected = expectedPredicate(input);
  const ctx = expressionContext(input);
  const condition = conditionOf(input, ctx);
  assertAllUsed(ctx);
  return condition ?? expected;
}

/** ConsumedCapacity of a single-item write (table and indexes), or undefined when not asked for. */
function writeCapacity(t: LoadedTable, mode: unknown, old: Item | undefined, next: Item | undefined, oldSize: number, newSize: number): Record<string, unknown> | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  return consumed(t.state, mode, writeUnits(oldSize, newSize), 'write', indexWriteUnits(t.state, old, next));
}

/** The response of a single-item write: Attributes (ALL_OLD) and ConsumedCapacity when asked for. */
function writeResponse(t: LoadedTable, input: Input, old: Item | undefined, next: Item | undefined, oldSize: number, newSize: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input.ReturnValues === 'ALL_OLD' && old) out.Attributes = old;
  const cc = writeCapacity(t, input.ReturnConsumedCapacity, old, next, oldSize, newSize);
  if (cc) out.ConsumedCapacity = cc;
  return out;
}

export function putItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const condition = checkPutOrDelete(input, 'item');
  const t = svc.requireTable(rc, input.TableName as string);
  const next = prepareItem(t.state, input.Item);
  const shape = tableKeyShape(t.state);
  const key = keyOf(next.item, shape);
  const ref = refOf(t.uid, key, shape);
  const { result } = svc.store.mutate([ref], ([cur]) => {
    const old = parsedItem(cur);
    if (condition && !condition(old)) throw conditionFailed(old, input.ReturnValuesOnConditionCheckFailure);
    return { writes: [itemWrite(t, key, old, next)], result: { old, oldSize: cur?.size ?? 0 } };
  });
  return writeResponse(t, input, result.old, next.item, result.oldSize, next.size);
}

export function getItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.required(input.Key, 'key');
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  c.throwIfAny();
  // Without expression maps or a projection there is nothing to parse or check (the usual GetItem).
  let projection: ((item: Item) => Item) | undefined;
  if (input.ExpressionAttributeNames !== undefined || input.ExpressionAttributeValues !== undefined || input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined) {
    const ctx = expressionContext(input);
    projection = projectionOf(input, ctx);
    assertAllUsed(ctx);
  }
  const t = svc.requireTable(rc, input.TableName as string);
  const shape = tableKeyShape(t.state);
  validateKey(input.Key as Item, shape);
  // Normalising changes only numbers: string and binary keys encode the same from the input.
  const key = shape.hash.type === 'N' || shape.range?.type === 'N' ? normalizeItem(input.Key as Item) : (input.Key as Item);
  const row = svc.store.getItem(refOf(t.uid, key, shape));
  const cc = consumed(t.state, input.ReturnConsumedCapacity, readUnits(row?.size ?? 0, input.ConsistentRead === true), 'read');
  if (!row || row.json === null) return cc ? { ConsumedCapacity: cc } : {};
  if (!projection && !cc) return new RawJson(`{"Item":${row.json}}`);
  const item = JSON.parse(row.json) as Item;
  const out: Record<string, unknown> = { Item: projection ? projection(item) : item };
  if (cc) out.ConsumedCapacity = cc;
  return out;
}

/** ProjectionExpression, or the legacy AttributesToGet, as a function over items. */
export function projectionOf(input: Input, ctx: ExpressionContext): ((item: Item) => Item) | undefined {
  if (typeof input.ProjectionExpression === 'string') {
    if (input.AttributesToGet !== undefined) {
      throw validation('Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}');
    }
    const paths = parseProjection(input.ProjectionExpression, ctx);
    return (item) => applyProjection(paths, item);
  }
  if (Array.isArray(input.AttributesToGet)) {
    const names = input.AttributesToGet as string[];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw validation(`One or more parameter values were invalid: Duplicate value in attribute name: ${dup}`);
    return (item) => {
      const out: Item = {};
      for (const n of names) if (item[n]) out[n] = item[n]!;
      return out;
    };
  }
  return undefined;
}

export function deleteItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const condition = checkPutOrDelete(input, 'key');
  const t = svc.requireTable(rc, input.TableName as string);
  const shape = tableKeyShape(t.state);
  validateKey(input.Key as Item, shape);
  const key = normalizeItem(input.Key as Item);
  const { result } = svc.store.mutate([refOf(t.uid, key, shape)], ([cur]) => {
    const old = parsedItem(cur);
    if (condition && !condition(old)) throw conditionFailed(old, input.ReturnValuesOnConditionCheckFailure);
    return { writes: old ? [itemWrite(t, key, old, undefined)] : [], result: { old, oldSize: cur?.size ?? 0 } };
  });
  return writeResponse(t, input, result.old, undefined, result.oldSize, 0);
}

export function updateItem(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  commonChecks(c, input);
  c.required(input.Key, 'key');
  c.throwIfAny();
  rejectMixedParameters(input, ['UpdateExpression', 'ConditionExpression'], ['AttributeUpdates', 'Expected', 'ConditionalOperator']);
  const legacyPlan = attributeUpdatesPlan(input.AttributeUpdates);
  const expected = expectedPredicate(input);
  const ctx = expressionContext(input);
  const plan = typeof input.UpdateExpression === 'string' ? parseUpdate(input.UpdateExpression, ctx) : legacyPlan;
  const condition = conditionOf(input, ctx) ?? expected;
  assertAllUsed(ctx);
  const t = svc.requireTable(rc, input.TableName as string);
  const shape = tableKeyShape(t.state);
  validateKey(input.Key as Item, shape);
  const key = normalizeItem(input.Key as Item);
  const keyNames = shape.range ? [shape.hash.name, shape.range.name] : [shape.hash.name];
  // AWS refuses an update of a key attribute before it looks at the item or the condition.
  if (plan) checkUpdateKeys(plan, keyNames);
  const { result } = svc.store.mutate([refOf(t.uid, key, shape)], ([cur]) => {
    const old = parsedItem(cur);
    if (condition && !condition(old)) throw conditionFailed(old, input.ReturnValuesOnConditionCheckFailure);
    const base = old ?? key;
    const updated = !plan ? base : plan === legacyPlan ? applyAttributeUpdates(plan, base, keyNames) : applyUpdate(plan, base, keyNames);
    const next = prepareItem(t.state, updated, 'Item size to update has exceeded the maximum allowed size');
    return { writes: [itemWrite(t, key, old, next)], result: { old, next: next.item, oldSize: cur?.size ?? 0, newSize: next.size } };
  });
  const out: Record<string, unknown> = {};
  const rv = input.ReturnValues;
  if (rv === 'ALL_OLD' && result.old) out.Attributes = result.old;
  else if (rv === 'ALL_NEW') out.Attributes = result.next;
  else if (rv === 'UPDATED_OLD' && result.old && plan) {
    const a = projectUpdated(plan, result.old);
    if (Object.keys(a).length) out.Attributes = a;
  } else if (rv === 'UPDATED_NEW' && plan) {
    const a = projectUpdated(plan, result.next);
    if (Object.keys(a).length) out.Attributes = a;
  }
  const cc = writeCapacity(t, input.ReturnConsumedCapacity, result.old, result.next, result.oldSize, result.newSize);
  if (cc) out.ConsumedCapacity = cc;
  return out;
}
