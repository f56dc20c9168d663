import type { TableStats } from '../storage/store.js';
import type { IndexState, TableState } from './table-state.js';

/** The TableDescription DynamoDB returns from CreateTable, DescribeTable, UpdateTable and DeleteTable. */
export function describeTable(state: TableState, stats: TableStats, status: string, indexStats?: (name: string) => TableStats): Record<string, unknown> {
  const d: Record<string, unknown> = {
    AttributeDefinitions: state.AttributeDefinitions,
    TableName: state.TableName,
    KeySchema: state.KeySchema,
    TableStatus: status,
    CreationDateTime: state.CreationDateTime,
    ProvisionedThroughput: {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: state.ProvisionedThroughput.ReadCapacityUnits,
      WriteCapacityUnits: state.ProvisionedThroughput.WriteCapacityUnits,
    },
    TableSizeBytes: stats.sizeBytes,
    ItemCount: stats.itemCount,
    TableArn: state.TableArn,
    TableId: state.TableId,
  };
  if (state.BillingMode === 'PAY_PER_REQUEST') {
    d.BillingModeSummary = { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: state.LastUpdateToPayPerRequestDateTime ?? state.CreationDateTime };
  } else if (state.LastUpdateToPayPerRequestDateTime !== undefined) {
    d.BillingModeSummary = { BillingMode: 'PROVISIONED', LastUpdateToPayPerRequestDateTime: state.LastUpdateToPayPerRequestDateTime };
  }
  if (state.LocalSecondaryIndexes.length > 0) {
    d.LocalSecondaryIndexes = state.LocalSecondaryIndexes.map((i) => describeIndex(state, i, false, indexStats));
  }
  if (state.GlobalSecondaryIndexes.length > 0) {
    d.GlobalSecondaryIndexes = state.GlobalSecondaryIndexes.map((i) => describeIndex(state, i, true, indexStats));
  }
  if (state.StreamSpecification?.StreamEnabled) {
    d.StreamSpecification = state.StreamSpecification;
    d.LatestStreamLabel = state.LatestStreamLabel;
    d.LatestStreamArn = `${state.TableArn}/stream/${state.LatestStreamLabel}`;
  }
  if (state.SSESpecification?.Enabled) {
    const arn = state.SSESpecification.KMSMasterKeyId?.startsWith('arn:')
      ? state.SSESpecification.KMSMasterKeyId
      : `${state.TableArn.replace(':dynamodb:', ':kms:').replace(/table\/.*$/, '')}key/${state.SSESpecification.KMSMasterKeyId ?? 'aws/dynamodb'}`;
    d.SSEDescription = { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: arn };
  }
  if (state.TableClass) d.TableClassSummary = { TableClass: state.TableClass };
  // AWS shows RestoreSummary only while the restore runs; once ACTIVE nothing marks a restored table.
  if (state.RestoreSummary?.RestoreInProgress) d.RestoreSummary = state.RestoreSummary;
  d.DeletionProtectionEnabled = state.DeletionProtectionEnabled;
  return d;
}

function describeIndex(state: TableState, i: IndexState, global: boolean, indexStats?: (name: string) => TableStats): Record<string, unknown> {
  const stats = indexStats ? indexStats(i.IndexName) : { itemCount: 0, sizeBytes: 0 };
  const d: Record<string, unknown> = {
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
  };
  if (global) {
    // A restoring table lists its GSIs without IndexStatus, as AWS does.
    if (!state.RestoreSummary?.RestoreInProgress) d.IndexStatus = i.IndexStatus;
    if (i.Backfilling) d.Backfilling = true;
    d.ProvisionedThroughput = {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: i.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      WriteCapacityUnits: i.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
    };
  }
  d.IndexSizeBytes = stats.sizeBytes;
  d.ItemCount = stats.itemCount;
  d.IndexArn = `${state.TableArn}/index/${i.IndexName}`;
  return d;
}
