import { randomUUID } from 'node:crypto';
import { AwsError, resourceNotFound, validation } from '../server/errors.js';
import type { RequestContext } from '../server/request-context.js';
import { ConstraintChecker } from './constraints.js';
import { describeTable } from './describe-table.js';
import { backfillIndex } from './indexes.js';
import type { DynamoService, LoadedTable } from './service.js';
import { tableStatus, type AttributeDefinition, type IndexState, type Projection, type TableState, type Throughput } from './table-state.js';
import type { KeySchemaElement } from './types.js';
import { validateCreateTable, validateIndex } from './validate-create-table.js';

export function tableArn(ctx: { region: string; account: string }, name: string): string {
  return `arn:aws:dynamodb:${ctx.region}:${ctx.account}:table/${name}`;
}

function describe(svc: DynamoService, t: LoadedTable, status: string): Record<string, unknown> {
  return describeTable(t.state, svc.store.tableStats(t.uid), status, (name) => svc.store.indexStats(t.uid, name));
}

export function createTable(svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>): unknown {
  validateCreateTable(input);
  const name = input.TableName as string;
  const onDemand = input.BillingMode === 'PAY_PER_REQUEST';
  const now = svc.clock.nowMillis() / 1000;
  const state: TableState = {
    TableName: name,
    TableId: randomUUID(),
    TableArn: tableArn(ctx, name),
    KeySchema: input.KeySchema as KeySchemaElement[],
    AttributeDefinitions: input.AttributeDefinitions as AttributeDefinition[],
    BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ProvisionedThroughput: onDemand ? { ReadCapacityUnits: 0, WriteCapacityUnits: 0 } : (input.ProvisionedThroughput as Throughput),
    LastUpdateToPayPerRequestDateTime: onDemand ? now : undefined,
    CreationDateTime: now,
    GlobalSecondaryIndexes: ((input.GlobalSecondaryIndexes ?? []) as IndexState[]).map((i) => newIndex(i, onDemand, 'ACTIVE')),
    LocalSecondaryIndexes: ((input.LocalSecondaryIndexes ?? []) as IndexState[]).map((i) => newIndex(i, true, 'ACTIVE')),
    DeletionProtectionEnabled: input.DeletionProtectionEnabled === true,
    Tags: (input.Tags ?? []) as Array<{ Key: string; Value: string }>,
    TimeToLive: { TimeToLiveStatus: 'DISABLED' },
    Pitr: { enabled: false, recoveryPeriodInDays: 35 },
  };
  const stream = input.StreamSpecification as TableState['StreamSpecification'];
  if (stream?.StreamEnabled) {
    if (!stream.StreamViewType) throw validation('One or more parameter values were invalid: Must specify StreamViewType when StreamEnabled is true');
    state.StreamSpecification = stream;
    state.LatestStreamLabel = new Date(now * 1000).toISOString().replace('Z', '');
  }
  const sse = input.SSESpecification as TableState['SSESpecification'];
  if (sse) state.SSESpecification = sse;
  if (typeof input.TableClass === 'string') state.TableClass = input.TableClass;
  const stored = svc.store.createTable(ctx.account, ctx.region, name, JSON.stringify(state));
  if (!stored) throw new AwsError('ResourceInUseException', `Table already exists: ${name}`, 400);
  const t: LoadedTable = { uid: stored.uid, account: ctx.account, region: ctx.region, state };
  return { TableDescription: describe(svc, t, 'CREATING') };
}

function newIndex(i: IndexState, onDemand: boolean, status: IndexState['IndexStatus']): IndexState {
  const projection: Projection = { ProjectionType: i.Projection.ProjectionType };
  if (i.Projection.NonKeyAttributes) projection.NonKeyAttributes = i.Projection.NonKeyAttributes;
  const idx: IndexState = { IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: projection, IndexStatus: status };
  if (!onDemand && i.ProvisionedThroughput) {
    idx.ProvisionedThroughput = { ReadCapacityUnits: i.ProvisionedThroughput.ReadCapacityUnits, WriteCapacityUnits: i.ProvisionedThroughput.WriteCapacityUnits };
  }
  return idx;
}

export function describeTableOp(svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.throwIfAny();
  const t = svc.findTable(ctx, input.TableName as string);
  if (!t) throw resourceNotFound(`Requested resource not found: Table: ${svc.tableNameFrom(ctx, input.TableName as string)} not found`);
  return { Table: describe(svc, t, tableStatus(t.state)) };
}

export function listTables(svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>): unknown {
  const c = new ConstraintChecker();
  c.range(input.Limit, 'limit', 1, 100);
  if (input.ExclusiveStartTableName !== undefined) c.tableName(input.ExclusiveStartTableName, 'exclusiveStartTableName');
  c.throwIfAny();
  const limit = (input.Limit as number | undefined) ?? 100;
  const names = svc.store.listTables(ctx.account, ctx.region, input.ExclusiveStartTableName as string | undefined, limit + 1);
  const out: Record<string, unknown> = { TableNames: names.slice(0, limit) };
  if (names.length > limit) out.LastEvaluatedTableName = names[limit - 1];
  return out;
}

export function deleteTable(svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.throwIfAny();
  const t = svc.findTable(ctx, input.TableName as string);
  if (!t) throw resourceNotFound(`Requested resource not found: Table: ${svc.tableNameFrom(ctx, input.TableName as string)} not found`);
  if (t.state.RestoreSummary?.RestoreInProgress) {
    throw new AwsError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being created: ${t.state.TableName}`, 400);
  }
  if (t.state.DeletionProtectionEnabled) {
    throw validation(`Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
  }
  const description = describe(svc, t, 'DELETING');
  svc.store.deleteTable(t.uid);
  svc.forget(t);
  for (const l of svc.onTableDeleted) l(t.uid);
  return { TableDescription: description };
}

interface GsiUpdate {
  Create?: IndexState & { ProvisionedThroughput?: Throughput };
  Delete?: { IndexName: string };
  Update?: { IndexName: string; ProvisionedThroughput: Throughput };
}

export function updateTable(svc: DynamoService, ctx: RequestContext, input: Record<string, unknown>): unknown {
  const c = new ConstraintChecker();
  c.tableNameOrArn(input.TableName);
  c.oneOf(input.BillingMode, 'billingMode', ['PROVISIONED', 'PAY_PER_REQUEST']);
  c.throwIfAny();
  const t = svc.requireTable(ctx, input.TableName as string, `Requested resource not found: Table: ${input.TableName} not found`);
  const state: TableState = structuredClone(t.state);
  const updates = (input.GlobalSecondaryIndexUpdates ?? []) as GsiUpdate[];
  const knownKeys = ['AttributeDefinitions', 'BillingMode', 'ProvisionedThroughput', 'GlobalSecondaryIndexUpdates', 'StreamSpecification', 'SSESpecification', 'TableClass', 'DeletionProtectionEnabled'];
  if (!knownKeys.some((k) => input[k] !== undefined)) {
    throw validation('At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required');
  }
  // Throughput updates of several indexes may go together (switching to PROVISIONED needs one per GSI).
  if (updates.filter((u) => u.Create || u.Delete).length > 1) {
    throw new AwsError('LimitExceededException', 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table', 400);
  }
  if (input.BillingMode === 'PROVISIONED' && state.BillingMode === 'PAY_PER_REQUEST' && input.ProvisionedThroughput) {
    // AWS: every GSI that stays needs its own throughput (a GlobalSecondaryIndexUpdates Update) in the same request.
    const given = new Set(updates.filter((u) => u.Update?.ProvisionedThroughput).map((u) => u.Update!.IndexName));
    const deleted = new Set(updates.filter((u) => u.Delete).map((u) => u.Delete!.IndexName));
    const missing = state.GlobalSecondaryIndexes.map((g) => g.IndexName).filter((n) => !given.has(n) && !deleted.has(n));
    if (missing.length) throw validation(`One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ${missing.join(',')}`);
  }
  if (input.BillingMode === 'PAY_PER_REQUEST' && state.BillingMode !== 'PAY_PER_REQUEST') {
    state.BillingMode = 'PAY_PER_REQUEST';
    state.ProvisionedThroughput = { ReadCapacityUnits: 0, WriteCapacityUnits: 0 };
    state.LastUpdateToPayPerRequestDateTime = svc.clock.nowMillis() / 1000;
    for (const g of state.GlobalSecondaryIndexes) delete g.ProvisionedThroughput;
  } else if (input.BillingMode === 'PROVISIONED' || (input.ProvisionedThroughput && state.BillingMode === 'PROVISIONED')) {
    const pt = input.ProvisionedThroughput as Throughput | undefined;
    if (!pt) throw validation('One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED');
    state.BillingMode = 'PROVISIONED';
    state.ProvisionedThroughput = { ReadCapacityUnits: pt.ReadCapacityUnits, WriteCapacityUnits: pt.WriteCapacityUnits };
  } else if (input.ProvisionedThroughput) {
    throw validation('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  }
  if (input.AttributeDefinitions) {
    for (const d of input.AttributeDefinitions as AttributeDefinition[]) {
      const existing = state.AttributeDefinitions.find((a) => a.AttributeName === d.AttributeName);
      if (existing && existing.AttributeType !== d.AttributeType) {
        throw validation(`One or more parameter values were invalid: Cannot change the type of an existing key attribute: ${d.AttributeName}`);
      }
      if (!existing) state.AttributeDefinitions.push(d);
    }
  }
  let created: IndexState | undefined;
  // Index entries are dropped only once the whole request has been found valid (bad input changes nothing).
  const dropped: string[] = [];
  for (const u of updates) {
    if (u.Create) {
      const names = new Set([...state.GlobalSecondaryIndexes, ...state.LocalSecondaryIndexes].map((i) => i.IndexName));
      if (names.has(u.Create.IndexName)) throw validation(`One or more parameter values were invalid: Attempting to create an index which already exists`);
      validateIndex(u.Create, state.AttributeDefinitions.map((a) => a.AttributeName), new Set(), state.BillingMode === 'PAY_PER_REQUEST', true);
      created = newIndex(u.Create, state.BillingMode === 'PAY_PER_REQUEST', 'CREATING');
      created.Backfilling = true;
      state.GlobalSecondaryIndexes.push(created);
    } else if (u.Delete) {
      const i = state.GlobalSecondaryIndexes.findIndex((g) => g.IndexName === u.Delete!.IndexName);
      if (i < 0) throw resourceNotFound(`Requested resource not found: Index: ${u.Delete.IndexName} not found`);
      state.GlobalSecondaryIndexes.splice(i, 1);
      dropped.push(u.Delete.IndexName);
    } else if (u.Update) {
      const g = state.GlobalSecondaryIndexes.find((x) => x.IndexName === u.Update!.IndexName);
      if (!g) throw resourceNotFound(`Requested resource not found: Index: ${u.Update.IndexName} not found`);
      g.ProvisionedThroughput = u.Update.ProvisionedThroughput;
    }
  }
  // Attribute definitions must stay exactly those used by some key schema.
  const used = new Set<string>();
  for (const k of state.KeySchema) used.add(k.AttributeName);
  for (const i of [...state.GlobalSecondaryIndexes, ...state.LocalSecondaryIndexes]) for (const k of i.KeySchema) used.add(k.AttributeName);
  state.AttributeDefinitions = state.AttributeDefinitions.filter((a) => used.has(a.AttributeName));
  if (input.StreamSpecification) {
    const s = input.StreamSpecification as { StreamEnabled: boolean; StreamViewType?: string };
    state.StreamSpecification = s.StreamEnabled ? s : undefined;
    if (s.StreamEnabled) state.LatestStreamLabel = new Date(svc.clock.nowMillis()).toISOString().replace('Z', '');
  }
  if (input.SSESpecification) state.SSESpecification = input.SSESpecification as TableState['SSESpecification'];
  if (typeof input.TableClass === 'string') state.TableClass = input.TableClass;
  if (typeof input.DeletionProtectionEnabled === 'boolean') state.DeletionProtectionEnabled = input.DeletionProtectionEnabled;
  const updated: LoadedTable = { ...t, state };
  for (const name of dropped) svc.store.dropIndex(t.uid, name);
  svc.saveState(updated);
  if (created) backfillIndex(svc, updated, created.IndexName);
  return { TableDescription: describe(svc, updated, 'UPDATING') };
}
