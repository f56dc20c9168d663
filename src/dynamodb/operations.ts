import { describeContinuousBackups, updateContinuousBackups } from '../pitr/continuous-backups.js';
import { restoreTableToPointInTime } from '../pitr/restore.js';
import { batchGetItem, batchWriteItem } from './batch.js';
import { deleteItem, getItem, putItem, updateItem } from './items.js';
import { query, scan } from './read.js';
import type { Operation } from './service.js';
import { createTable, deleteTable, describeTableOp, listTables, updateTable } from './tables.js';
import { describeTimeToLive, listTagsOfResource, tagResource, untagResource, updateTimeToLive } from './tags-ttl.js';
import { transactGetItems, transactWriteItems } from './transactions.js';

/** Every DynamoDB operation Strata serves, by its X-Amz-Target name. Other modules add theirs. */
export const dynamoOperations = new Map<string, Operation>([
  ['CreateTable', createTable],
  ['DescribeTable', describeTableOp],
  ['ListTables', listTables],
  ['UpdateTable', updateTable],
  ['DeleteTable', deleteTable],
  ['PutItem', putItem],
  ['GetItem', getItem],
  ['UpdateItem', updateItem],
  ['DeleteItem', deleteItem],
  ['Query', query],
  ['Scan', scan],
  ['BatchWriteItem', batchWriteItem],
  ['BatchGetItem', batchGetItem],
  ['TransactWriteItems', transactWriteItems],
  ['TransactGetItems', transactGetItems],
  ['TagResource', tagResource],
  ['UntagResource', untagResource],
  ['ListTagsOfResource', listTagsOfResource],
  ['UpdateTimeToLive', updateTimeToLive],
  ['DescribeTimeToLive', describeTimeToLive],
  ['UpdateContinuousBackups', updateContinuousBackups],
  ['DescribeContinuousBackups', describeContinuousBackups],
  ['RestoreTableToPointInTime', restoreTableToPointInTime],
  ['DescribeEndpoints', (_svc, rc) => ({ Endpoints: [{ Address: `dynamodb.${rc.region}.amazonaws.com`, CachePeriodInMinutes: 1440 }] })],
  ['DescribeLimits', () => ({ AccountMaxReadCapacityUnits: 80000, AccountMaxWriteCapacityUnits: 80000, TableMaxReadCapacityUnits: 40000, TableMaxWriteCapacityUnits: 40000 })],
]);
