import { createHash } from 'node:crypto';
import { AwsError, validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import type { ItemWrite, KeyRef } from '../storage/store.js';
import { consumed, readUnits, writeUnits } from './capacity.js';
import { ConstraintChecker } from './constraints.js';
import { applyUpdate, assertAllUsed, checkUpdateKeys, parseUpdate, type UpdatePlan } from './expressions/index.js';
import { conditionOf, expressionContext, itemWrite, parsedItem, prepareItem, projectionOf } from './items.js';
import { keyOf, refOf, validateKey } from './keys.js';
import { normalizeItemValues as normalizeItem } from './values.js';
import type { DynamoService, LoadedTable } from './service.js';
import { tableKeyShape } from './table-state.js';
import type { Item } from './types.js';

type Input = Record<string, unknown>;

const MAX_ACTIONS = 100;
/** DynamoDB remembers a ClientRequestToken for 10 minutes. */
const TOKEN_TTL_MS = 10 * 60 * 1000;

interface Action {
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  table: LoadedTable;
  key: Item;
  ref: KeyRef;
  condition?: (item: Item | undefined) => boolean;
  put?: { item: Item; size: number };
  update?: UpdatePlan;
  returnOld: unknown;
}

interface TokenRecord {
  hash: string;
  at: number;
  response: unknown;
}

/** ClientRequestToken memory: per account and region, so accounts never share tokens. */
const tokens = new Map<string, TokenRecord>();

function rememberedResponse(svc: DynamoService, rc: RequestContext, input: Input): { key?: string; hash?: string; response?: unknown } {
  const token = input.ClientRequestToken;
  if (typeof token !== 'string') return {};
  const now = svc.clock.nowMillis();
  for (const [k, v] of tokens) if (now - v.at > TOKEN_TTL_MS) tokens.delete(k);
  const key = `${rc.account}/${rc.region}/${token}`;
  const { ClientRequestToken: _t, ReturnConsumedCapacity: _r, ...rest } = input;
  const hash = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
  const prior = tokens.get(key);
  if (prior && prior.hash !== hash) {
    throw new AwsError('IdempotentParameterMismatchException', 'Request has a different set of parameters than the original request with the same client request token.', 400);
  }
  return { key, hash, response: prior?.response };
}

export function transactWriteItems(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.TransactItems, 'transactItems');
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  const list = (input.TransactItems ?? []) as Input[];
  if (input.TransactItems && (list.length < 1 || list.length > MAX_ACTIONS)) {
    c.fail('[...]', 'transactItems', list.length < 1 ? 'Member must have length greater than or equal to 1' : `Member must have length less than or equal to ${MAX_ACTIONS}`);
  }
  if (typeof input.ClientRequestToken === 'string' && (input.ClientRequestToken.length < 1 || input.ClientRequestToken.length > 36)) {
    c.fail(input.ClientRequestToken, 'clientRequestToken', 'Member must have length less than or equal to 36');
  }
  c.throwIfAny();
  const memo = rememberedResponse(svc, rc, input);
  if (memo.response !== undefined) return memo.response;

  const actions = list.map((entry) => planAction(svc, rc, entry));
  const seen = new Set<string>();
  for (const a of actions) {
    const k = `${a.ref.table}:${a.ref.pk.toString('hex')}:${a.ref.sk.toString('hex')}`;
    if (seen.has(k)) throw validation('Transaction request cannot include multiple operations on one item');
    seen.add(k);
  }
  const { result } = svc.store.mutate(actions.map((a) => a.ref), (current) => {
    const olds = current.map(parsedItem);
    const reasons = actions.map((a, i) => (a.condition && !a.condition(olds[i]) ? failure(olds[i], a.returnOld) : undefined));
    // Updates can fail on data too (wrong operand types, item too large): those cancel the transaction as well.
    const nexts = actions.map((a, i) => {
      if (reasons[i]) return undefined;
      try {
        return nextImage(a, olds[i]);
      } catch (e) {
        if (!(e instanceof AwsError) || e.code !== 'ValidationException') throw e;
        reasons[i] = { Code: 'ValidationError', Message: e.message };
        return undefined;
      }
    });
    if (reasons.some(Boolean)) {
      const full = reasons.map((r) => r ?? { Code: 'None' });
      throw new AwsError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${full.map((r) => r.Code).join(', ')}]`,
        400,
        { CancellationReasons: full },
      );
    }
    const writes: ItemWrite[] = [];
    const units = new Map<string, number>();
    actions.forEach((a, i) => {
      if (a.kind === 'ConditionCheck') return;
      const next = nexts[i];
      if (a.kind === 'Delete' && !olds[i]) return;
      writes.push(itemWrite(a.table, a.key, olds[i], next));
      const name = a.table.state.TableName;
      units.set(name, (units.get(name) ?? 0) + 2 * writeUnits(current[i]?.size ?? 0, next?.size ?? 0));
    });
    return { writes, result: units };
  });
  const out: Record<string, unknown> = {};
  if (input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES') {
    const tables = new Map(actions.map((a) => [a.table.state.TableName, a.table]));
    out.ConsumedCapacity = [...tables.values()].map((t) => consumed(t.state, input.ReturnConsumedCapacity, result.get(t.state.TableName) ?? 0, 'write'));
  }
  if (memo.key) tokens.set(memo.key, { hash: memo.hash!, at: svc.clock.nowMillis(), response: out });
  return out;
}

function failure(old: Item | undefined, returnOld: unknown): { Code: string; Message: string; Item?: Item } {
  const r: { Code: string; Message: string; Item?: Item } = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
  if (returnOld === 'ALL_OLD' && old) r.Item = old;
  return r;
}

function nextImage(a: Action, old: Item | undefined): { item: Item; size: number } | undefined {
  if (a.kind === 'Put') return a.put;
  if (a.kind === 'Update') {
    const shape = tableKeyShape(a.table.state);
    const keyNames = shape.range ? [shape.hash.name, shape.range.name] : [shape.hash.name];
    const updated = a.update ? applyUpdate(a.update, old ?? a.key, keyNames) : (old ?? a.key);
    return prepareItem(a.table.state, updated, 'Item size to update has exceeded the maximum allowed size');
  }
  return undefined;
}

function planAction(svc: DynamoService, rc: RequestContext, entry: Input): Action {
  const kinds = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1) throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
  const kind = kinds[0]!;
  const body = entry[kind] as Input;
  const c = new ConstraintChecker();
  c.tableNameOrArn(body.TableName, `transactItems.member.${kind.charAt(0).toLowerCase() + kind.slice(1)}.tableName`);
  c.throwIfAny();
  const table = svc.requireTable(rc, body.TableName as string);
  const shape = tableKeyShape(table.state);
  const ctx = expressionContext(body, 'wrapped');
  const update = kind === 'Update' && typeof body.UpdateExpression === 'string' ? parseUpdate(body.UpdateExpression, ctx) : undefined;
  if (kind === 'Update' && body.UpdateExpression === undefined) {
    throw validation("1 validation error detected: Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null");
  }
  const condition = conditionOf(body, ctx);
  if (kind === 'ConditionCheck' && !condition) {
    throw validation("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null");
  }
  assertAllUsed(ctx);
  if (update) checkUpdateKeys(update, shape.range ? [shape.hash.name, shape.range.name] : [shape.hash.name]);
  let key: Item;
  let put: Action['put'];
  if (kind === 'Put') {
    put = prepareItem(table.state, body.Item);
    key = keyOf(put.item, shape);
  } else {
    validateKey(body.Key as Item, shape);
    key = normalizeItem(body.Key as Item);
  }
  return { kind, table, key, ref: refOf(table.uid, key, shape), condition, put, update, returnOld: body.ReturnValuesOnConditionCheckFailure };
}

export function transactGetItems(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  c.required(input.TransactItems, 'transactItems');
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  const list = (input.TransactItems ?? []) as Array<{ Get?: Input }>;
  if (input.TransactItems && (list.length < 1 || list.length > MAX_ACTIONS)) {
    c.fail('[...]', 'transactItems', list.length < 1 ? 'Member must have length greater than or equal to 1' : `Member must have length less than or equal to ${MAX_ACTIONS}`);
  }
  c.throwIfAny();
  const gets = list.map((entry) => {
    if (!entry.Get) throw validation("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null");
    const table = svc.requireTable(rc, entry.Get.TableName as string);
    const shape = tableKeyShape(table.state);
    validateKey(entry.Get.Key as Item, shape);
    const ctx = expressionContext(entry.Get);
    const projection = projectionOf(entry.Get, ctx);
    assertAllUsed(ctx);
    return { table, ref: refOf(table.uid, normalizeItem(entry.Get.Key as Item), shape), projection };
  });
  // One mutate with no writes reads every key in a single snapshot.
  const { result } = svc.store.mutate(gets.map((g) => g.ref), (current) => ({ writes: [], result: current }));
  const units = new Map<string, number>();
  const responses = gets.map((g, i) => {
    const row = result[i];
    const name = g.table.state.TableName;
    units.set(name, (units.get(name) ?? 0) + 2 * readUnits(row?.size ?? 0, true));
    const item = parsedItem(row);
    if (!item) return {};
    return { Item: g.projection ? g.projection(item) : item };
  });
  const out: Record<string, unknown> = { Responses: responses };
  if (input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES') {
    const tables = new Map(gets.map((g) => [g.table.state.TableName, g.table]));
    out.ConsumedCapacity = [...tables.values()].map((t) => consumed(t.state, input.ReturnConsumedCapacity, units.get(t.state.TableName) ?? 0, 'read'));
  }
  return out;
}
