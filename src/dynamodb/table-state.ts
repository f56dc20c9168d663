import type { KeySchemaElement, ScalarKeyType } from './types.js';

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: ScalarKeyType;
}

export interface Projection {
  ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  NonKeyAttributes?: string[];
}

export interface Throughput {
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}

export interface IndexState {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: Projection;
  ProvisionedThroughput?: Throughput;
  /** CREATING while a new GSI backfills, then ACTIVE. */
  IndexStatus: 'CREATING' | 'ACTIVE' | 'DELETING';
  Backfilling?: boolean;
}

export interface TimeToLiveState {
  TimeToLiveStatus: 'ENABLED' | 'DISABLED';
  AttributeName?: string;
}

export interface PitrState {
  enabled: boolean;
  /** Microseconds: when PITR was last enabled. */
  enabledAt?: number;
  recoveryPeriodInDays: number;
  /** Microseconds: the window never starts before this (set when the recovery period grows, since
   * history older than the previous period may already be compacted away). */
  floorMicros?: number;
}

export interface RestoreSummaryState {
  SourceBackupArn?: string;
  SourceTableArn?: string;
  RestoreDateTime: number;
  RestoreInProgress: boolean;
}

/** A restore in progress into this table (RestoreTableToPointInTime): where it reads and how far it got. */
export interface RestoreJobState {
  sourceUid: number;
  /** Read the source as of this commit timestamp (microseconds). */
  asOfMicros: number;
  /** Last source key copied (hex of partition hash, pk, sk), so a restart resumes after it. */
  after?: { h: number; pk: string; sk: string };
  copied: number;
}

/** Everything Strata keeps about a table besides its items: persisted as JSON by the store. */
export interface TableState {
  TableName: string;
  TableId: string;
  TableArn: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  BillingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  ProvisionedThroughput: Throughput;
  LastUpdateToPayPerRequestDateTime?: number;
  /** Seconds since the epoch, with milliseconds. */
  CreationDateTime: number;
  GlobalSecondaryIndexes: IndexState[];
  LocalSecondaryIndexes: IndexState[];
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string };
  LatestStreamLabel?: string;
  SSESpecification?: { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
  TableClass?: string;
  DeletionProtectionEnabled: boolean;
  Tags: Array<{ Key: string; Value: string }>;
  TimeToLive: TimeToLiveState;
  Pitr: PitrState;
  RestoreSummary?: RestoreSummaryState;
  RestoreJob?: RestoreJobState;
}

/** CREATING while a restore fills the table, else ACTIVE (Strata creates and updates tables at once). */
export function tableStatus(state: TableState): 'CREATING' | 'ACTIVE' {
  return state.RestoreSummary?.RestoreInProgress ? 'CREATING' : 'ACTIVE';
}

export interface KeyAttribute {
  name: string;
  type: ScalarKeyType;
}

export interface KeyShape {
  hash: KeyAttribute;
  range?: KeyAttribute;
}

export function keyShapeOf(schema: KeySchemaElement[], defs: AttributeDefinition[]): KeyShape {
  const typeOf = (name: string): ScalarKeyType => defs.find((d) => d.AttributeName === name)!.AttributeType;
  const hash = schema.find((k) => k.KeyType === 'HASH')!.AttributeName;
  const range = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return { hash: { name: hash, type: typeOf(hash) }, range: range ? { name: range, type: typeOf(range) } : undefined };
}

/** Key shapes by table state, recomputed if its KeySchema or AttributeDefinitions array is replaced. */
const keyShapes = new WeakMap<TableState, { schema: KeySchemaElement[]; defs: AttributeDefinition[]; shape: KeyShape }>();

export function tableKeyShape(state: TableState): KeyShape {
  const hit = keyShapes.get(state);
  if (hit && hit.schema === state.KeySchema && hit.defs === state.AttributeDefinitions) return hit.shape;
  const shape = keyShapeOf(state.KeySchema, state.AttributeDefinitions);
  keyShapes.set(state, { schema: state.KeySchema, defs: state.AttributeDefinitions, shape });
  return shape;
}

export function findIndex(state: TableState, name: string): { index: IndexState; global: boolean } | undefined {
  const g = state.GlobalSecondaryIndexes.find((i) => i.IndexName === name);
  if (g) return { index: g, global: true };
  const l = state.LocalSecondaryIndexes.find((i) => i.IndexName === name);
  return l ? { index: l, global: false } : undefined;
}
