import { validation } from '../server/errors.js';
import { RawJson } from '../server/json-protocol.js';
import type { RequestContext } from '../server/request-context.js';
import { encodeKeyValue, partitionHash } from '../storage/key-codec.js';
import type { ImagePage, IndexRead, KeyBound } from '../storage/store.js';
import { consumed, readUnits } from './capacity.js';
import { ConstraintChecker } from './constraints.js';
import { assertAllUsed, evaluateCondition, parseCondition, parseKeyCondition, type Condition, type ExpressionContext, type KeyCondition, type Operand } from './expressions/index.js';
import { expressionContext, projectionOf } from './items.js';
import { checkKeyConditions, checkLegacyShapes, checkQueryFilterKeys, filterCondition, keyConditionsOf, rejectMixedParameters } from './legacy.js';
import { positionOf, refOf, validateKey, wireIndexKey, wireKey } from './keys.js';
import { normalizeItemValues as normalizeItem } from './values.js';
import type { DynamoService, LoadedTable } from './service.js';
import { findIndex, keyShapeOf, tableKeyShape, type KeyShape } from './table-state.js';
import type { Item } from './types.js';

/** DynamoDB stops a Query or Scan page once it has read 1 MB. */
export const PAGE_BYTES = 1024 * 1024;
const HASH_SPACE = 2 ** 32;

type Input = Record<string, unknown>;

interface ReadPlan {
  table: LoadedTable;
  tableShape: KeyShape;
  index?: { name: string; shape: KeyShape; global: boolean; projectionAll: boolean; attrs?: Set<string> };
  filter?: (item: Item) => boolean;
  projection?: (item: Item) => Item;
  countOnly: boolean;
  /** LSI reads of attributes outside the index projection fetch the table item. */
  fetchFromTable: boolean;
}

function readChecks(input: Input, c: ConstraintChecker): void {
  c.tableNameOrArn(input.TableName);
  c.range(input.Limit, 'limit', 1);
  c.oneOf(input.Select, 'select', ['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT']);
  c.oneOf(input.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
  checkLegacyShapes(c, input);
  if (input.IndexName !== undefined) {
    const n = String(input.IndexName);
    if (n.length < 3) c.fail(n, 'indexName', 'Member must have length greater than or equal to 3');
    if (n.length > 255) c.fail(n, 'indexName', 'Member must have length less than or equal to 255');
    if (!/^[a-zA-Z0-9_.-]+$/.test(n)) c.fail(n, 'indexName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  }
}

/** Parses in DynamoDB's order (key condition, then filter, then projection), so the first error reported matches AWS. */
function planRead(
  svc: DynamoService, rc: RequestContext, input: Input, ctx: ExpressionContext,
  legacyFilter: Condition | undefined, parseKeys?: (plan: Pick<ReadPlan, 'table' | 'tableShape' | 'index'>) => void,
): ReadPlan {
  const table = svc.requireTable(rc, input.TableName as string);
  const tableShape = tableKeyShape(table.state);
  const hasProjection = input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined;
  if (input.Select === 'SPECIFIC_ATTRIBUTES' && !hasProjection) {
    throw validation('One or more parameter values were invalid: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES');
  }
  if (hasProjection && input.Select !== undefined && input.Select !== 'SPECIFIC_ATTRIBUTES') {
    throw validation(`One or more parameter values were invalid: Cannot specify the AttributesToGet or ProjectionExpression when choosing to get ${String(input.Select)}`);
  }
  let index: ReadPlan['index'];
  let fetchFromTable = false;
  if (input.IndexName !== undefined) {
    const found = findIndex(table.state, input.IndexName as string);
    if (!found) throw validation(`The table does not have the specified index: ${String(input.IndexName)}`);
    if (found.global && input.ConsistentRead === true) throw validation('Consistent reads are not supported on global secondary indexes');
    const proj = found.index.Projection;
    const projectionAll = proj.ProjectionType === 'ALL';
    if (input.Select === 'ALL_ATTRIBUTES' && !projectionAll) {
      if (found.global) {
        throw validation(`One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${found.index.IndexName} because its projection type is not ALL`);
      }
      fetchFromTable = true;
    }
    index = { name: found.index.IndexName, shape: keyShapeOf(found.index.KeySchema, table.state.AttributeDefinitions), global: found.global, projectionAll };
  } else if (input.Select === 'ALL_PROJECTED_ATTRIBUTES') {
    throw validation('One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries');
  }
  parseKeys?.({ table, tableShape, index });
  let filter: ReadPlan['filter'];
  if (typeof input.FilterExpression === 'string') {
    const cond = parseCondition(input.FilterExpression, ctx, 'FilterExpression');
    // A Query (the one caller with key conditions) may not filter on the keys it queries.
    if (parseKeys) checkFilterKeys(cond, index ? index.shape : tableShape);
    filter = (item) => evaluateCondition(cond, item);
  } else if (legacyFilter) {
    filter = (item) => evaluateCondition(legacyFilter, item);
  }
  const projection = projectionOf(input, ctx);
  if (index && !index.global && !index.projectionAll && (projection || filter)) fetchFromTable = true;
  return { table, tableShape, index, filter, projection, countOnly: input.Select === 'COUNT', fetchFromTable };
}

/** The top-level attributes a condition reads. */
function conditionHeads(c: Condition, out: Set<string>): Set<string> {
  const operand = (o: Operand): void => {
    if (o.kind === 'path') out.add(o.path[0]);
    else if (o.kind === 'size') operand(o.operand);
  };
  switch (c.kind) {
    case 'and': case 'or': conditionHeads(c.left, out); conditionHeads(c.right, out); break;
    case 'not': conditionHeads(c.operand, out); break;
    case 'compare': operand(c.left); operand(c.right); break;
    case 'between': operand(c.operand); operand(c.low); operand(c.high); break;
    case 'in': operand(c.operand); c.list.forEach(operand); break;
    case 'function': c.args.forEach(operand); break;
  }
  return out;
}

function checkFilterKeys(cond: Condition, shape: KeyShape): void {
  const heads = conditionHeads(cond, new Set());
  for (const k of [shape.hash, shape.range]) {
    if (k && heads.has(k.name)) throw validation(`Filter Expression can only contain non-primary key attributes: Primary key attribute: ${k.name}`);
  }
}

interface Row {
  json: string;
  size: number;
}

/** A page of rows; `lastKey` (the LastEvaluatedKey) only when the page was cut short. */
interface Page {
  rows: readonly Row[];
  lastKey?: () => Item;
}

/** Applies filter / projection to a page of rows and writes the response (raw JSON when nothing changes items). */
function respond(svc: DynamoService, plan: ReadPlan, input: Input, page: Page): unknown {
  const rows = page.rows;
  const lek = page.lastKey?.();
  let bytes = 0;
  for (const r of rows) bytes += r.size;
  const units = readUnits(bytes, input.ConsistentRead === true);
  // An index read is charged to the index; the table only for what an LSI read fetched from it.
  const cc = plan.index
    ? consumed(plan.table.state, input.ReturnConsumedCapacity, plan.fetchFromTable ? units : 0, 'read', { [plan.index.name]: units })
    : consumed(plan.table.state, input.ReturnConsumedCapacity, units, 'read');
  const resolve = (r: Row): string => r.json;
  if (!plan.filter && !plan.projection && !plan.countOnly && !cc) {
    const items = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) items[i] = resolve(rows[i]!);
    const tail = `],"Count":${rows.length},"ScannedCount":${rows.length}${lek ? `,"LastEvaluatedKey":${JSON.stringify(lek)}` : ''}}`;
    return new RawJson('{"Items":[', items, tail);
  }
  const items: Item[] = [];
  for (const r of rows) {
    const item = JSON.parse(resolve(r)) as Item;
    if (plan.filter && !plan.filter(item)) continue;
    items.push(plan.projection ? plan.projection(item) : item);
  }
  const out: Record<string, unknown> = {};
  if (!plan.countOnly) out.Items = items;
  out.Count = items.length;
  out.ScannedCount = rows.length;
  if (lek) out.LastEvaluatedKey = lek;
  if (cc) out.ConsumedCapacity = cc;
  return out;
}

/** The store's images are the rows: no copy per item. */
function tablePage(plan: ReadPlan, page: ImagePage): Page {
  const last = page.last;
  return { rows: page.items, lastKey: page.truncated && last ? () => wireKey(last, plan.tableShape) : undefined };
}

/**
 * A page of an index read. An LSI read that needs attributes the index does not project fetches each
 * item from the table, so it needs every entry's table key; otherwise the entries' images are the rows.
 */
function indexPage(svc: DynamoService, plan: ReadPlan, read: IndexRead): Page {
  const idx = plan.index!;
  if (!plan.fetchFromTable) {
    const page = svc.store.readIndexImages(read);
    const last = page.last;
    return { rows: page.items, lastKey: page.truncated && last ? () => wireIndexKey(last, plan.tableShape, idx.shape) : undefined };
  }
  const page = svc.store.readIndex(read);
  const rows = page.items.map((e) => {
    const full = svc.store.getItem({ table: plan.table.uid, h: e.h, pk: e.pk, sk: e.sk });
    return { json: full?.json ?? e.json, size: e.size };
  });
  const last = page.items[page.items.length - 1];
  return { rows, lastKey: page.truncated && last ? () => wireIndexKey(last, plan.tableShape, idx.shape) : undefined };
}

function keyBounds(cond: KeyCondition, shape: KeyShape): { low?: KeyBound; high?: KeyBound } {
  const r = cond.range;
  if (!r || !shape.range) return {};
  const enc = (i: number) => encodeKeyValue(shape.range!.type, r.values[i]!);
  switch (r.op) {
    case '=': return { low: { value: enc(0), inclusive: true }, high: { value: enc(0), inclusive: true } };
    case '<': return { high: { value: enc(0), inclusive: false } };
    case '<=': return { high: { value: enc(0), inclusive: true } };
    case '>': return { low: { value: enc(0), inclusive: false } };
    case '>=': return { low: { value: enc(0), inclusive: true } };
    case 'BETWEEN': return { low: { value: enc(0), inclusive: true }, high: { value: enc(1), inclusive: true } };
    case 'begins_with': {
      const prefix = enc(0);
      const upper = prefixSuccessor(prefix);
      return { low: { value: prefix, inclusive: true }, high: upper ? { value: upper, inclusive: false } : undefined };
    }
    default:
      return {};
  }
}

/** The smallest byte string greater than every string that starts with prefix (none if all 0xff). */
function prefixSuccessor(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = Buffer.from(prefix.subarray(0, end));
  out[end - 1]! += 1;
  return out;
}

export function query(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  readChecks(input, c);
  c.throwIfAny();
  rejectMixedParameters(input, ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'], ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions']);
  const legacyFilter = filterCondition(input.QueryFilter, input.ConditionalOperator);
  const legacyKeys = typeof input.KeyConditionExpression !== 'string' && input.KeyConditions != null;
  if (typeof input.KeyConditionExpression !== 'string' && !legacyKeys) {
    throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  }
  if (legacyKeys) checkKeyConditions(input.KeyConditions);
  const ctx = expressionContext(input);
  let cond: KeyCondition | undefined;
  const plan = planRead(svc, rc, input, ctx, legacyFilter, (p) => {
    const s = p.index ? p.index.shape : p.tableShape;
    if (legacyKeys) {
      cond = keyConditionsOf(input.KeyConditions, s);
    } else {
      const types: Record<string, 'S' | 'N' | 'B'> = {};
      for (const d of p.table.state.AttributeDefinitions) types[d.AttributeName] = d.AttributeType;
      cond = parseKeyCondition(input.KeyConditionExpression as string, ctx, { hash: s.hash.name, range: s.range?.name }, types);
    }
    checkQueryFilterKeys(input.QueryFilter, s);
  });
  assertAllUsed(ctx);
  const shape = plan.index ? plan.index.shape : plan.tableShape;
  if (!cond) throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  const forward = input.ScanIndexForward !== false;
  const limit = input.Limit as number | undefined;
  const pk = encodeKeyValue(shape.hash.type, cond.hashValue);
  const bounds = keyBounds(cond, shape);
  const start = input.ExclusiveStartKey as Item | undefined;
  if (plan.index) {
    const after = start ? indexStart(plan, start) : undefined;
    const read: IndexRead = {
      table: plan.table.uid, index: plan.index.name, forward, limit, maxBytes: PAGE_BYTES, after,
      partition: { ih: partitionHash(pk), ipk: pk, ...bounds },
    };
    return respond(svc, plan, input, indexPage(svc, plan, read));
  }
  let after;
  if (start) {
    validateStartKey(start, plan.tableShape);
    after = positionOf(normalizeItem(start), plan.tableShape);
  }
  const page = svc.store.readImages({
    table: plan.table.uid, forward, limit, maxBytes: PAGE_BYTES, after,
    partition: { h: partitionHash(pk), pk, ...bounds },
  });
  return respond(svc, plan, input, tablePage(plan, page));
}

export function scan(svc: DynamoService, rc: RequestContext, input: Input): unknown {
  const c = new ConstraintChecker();
  readChecks(input, c);
  c.range(input.Segment, 'segment', 0, 999999);
  c.range(input.TotalSegments, 'totalSegments', 1, 1000000);
  c.throwIfAny();
  if (input.Segment !== undefined && input.TotalSegments === undefined) {
    throw validation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  }
  if (input.TotalSegments !== undefined && input.Segment === undefined) {
    throw validation('The Segment parameter is required but was not present in the request when parameter TotalSegments is present');
  }
  if (input.Segment !== undefined && (input.Segment as number) >= (input.TotalSegments as number)) {
    throw validation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${input.Segment} is not less than TotalSegments: ${input.TotalSegments}`);
  }
  rejectMixedParameters(input, ['ProjectionExpression', 'FilterExpression'], ['AttributesToGet', 'ScanFilter', 'ConditionalOperator']);
  const legacyFilter = filterCondition(input.ScanFilter, input.ConditionalOperator);
  const ctx = expressionContext(input, 'wrapped');
  const plan = planRead(svc, rc, input, ctx, legacyFilter);
  assertAllUsed(ctx);
  let hashRange: [number, number] | undefined;
  if (input.TotalSegments !== undefined) {
    const seg = input.Segment as number;
    const total = input.TotalSegments as number;
    hashRange = [Math.floor((seg * HASH_SPACE) / total), Math.floor(((seg + 1) * HASH_SPACE) / total)];
  }
  const limit = input.Limit as number | undefined;
  const start = input.ExclusiveStartKey as Item | undefined;
  if (plan.index) {
    const after = start ? indexStart(plan, start) : undefined;
    const read: IndexRead = { table: plan.table.uid, index: plan.index.name, forward: true, limit, maxBytes: PAGE_BYTES, after, hashRange };
    return respond(svc, plan, input, indexPage(svc, plan, read));
  }
  let after;
  if (start) {
    validateStartKey(start, plan.tableShape);
    after = positionOf(normalizeItem(start), plan.tableShape);
  }
  const page = svc.store.readImages({ table: plan.table.uid, forward: true, limit, maxBytes: PAGE_BYTES, after, hashRange });
  return respond(svc, plan, input, tablePage(plan, page));
}

function validateStartKey(start: Item, shape: KeyShape): void {
  try {
    validateKey(start, shape);
  } catch {
    throw validation('The provided starting key is invalid: The provided key element does not match the schema');
  }
}

function indexStart(plan: ReadPlan, start: Item): { ih: number; ipk: Buffer; isk: Buffer; pk: Buffer; sk: Buffer } {
  const idx = plan.index!;
  const s = normalizeItem(start);
  const tableKey: Item = { [plan.tableShape.hash.name]: s[plan.tableShape.hash.name]! };
  if (plan.tableShape.range) tableKey[plan.tableShape.range.name] = s[plan.tableShape.range.name]!;
  for (const a of [plan.tableShape.hash, plan.tableShape.range, idx.shape.hash, idx.shape.range]) {
    if (a && !s[a.name]) throw validation('The provided starting key is invalid: The provided key element does not match the schema');
  }
  const ref = refOf(0, tableKey, plan.tableShape);
  const ipk = encodeKeyValue(idx.shape.hash.type, s[idx.shape.hash.name]!);
  const isk = idx.shape.range ? encodeKeyValue(idx.shape.range.type, s[idx.shape.range.name]!) : Buffer.alloc(0);
  return { ih: partitionHash(ipk), ipk, isk, pk: ref.pk, sk: ref.sk };
}
