import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStrata } from '../../src/app.js';
import { resolveConfig } from '../../src/config.js';
import { dynamoOperations } from '../../src/dynamodb/operations.js';
import type { RequestContext } from '../../src/server/request-context.js';

/**
 * A restore whose page copy fails (a fault the real store cannot be made to produce on demand, so the
 * store's read is made to throw) keeps its table CREATING and its source history pinned, retries, and
 * completes with every item.
 */
test('a failed restore page is retried with the history still pinned, then the restore completes', async () => {
  const strata = await startStrata(resolveConfig({ 'in-memory': true, port: '0', 'rds-embedded': 'false', 'pitr-lag': '0' }, {}));
  try {
    const rc: RequestContext = { account: '000000000000', region: 'us-east-1', accessKeyId: 'test', requestId: 'unit' };
    const op = (name: string, input: Record<string, unknown>) => Promise.resolve(dynamoOperations.get(name)!(strata.svc, rc, input));
    await op('CreateTable', {
      TableName: 'Src', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    });
    for (let i = 0; i < 50; i++) await op('PutItem', { TableName: 'Src', Item: { pk: { S: `k${i}` }, v: { N: String(i) } } });
    await op('UpdateContinuousBackups', { TableName: 'Src', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });

    const store = strata.svc.store;
    const readRange = store.readRange.bind(store);
    let failuresLeft = 2;
    store.readRange = (q) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('SQLITE_IOERR: disk I/O error (injected)');
      }
      return readRange(q);
    };
    const errors: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      await op('RestoreTableToPointInTime', { SourceTableName: 'Src', TargetTableName: 'Copy', UseLatestRestorableTime: true });
      await sleep(50);
      // After the first failure the restore is still running: its pin and purge hold are kept.
      assert.equal(strata.pitr.restores.running, 1);
      const during = (await op('DescribeTable', { TableName: 'Copy' })) as { Table: { TableStatus: string } };
      assert.equal(during.Table.TableStatus, 'CREATING');
      for (let i = 0; i < 100 && strata.pitr.restores.running > 0; i++) await sleep(50);
    } finally {
      console.error = consoleError;
      store.readRange = readRange;
    }
    assert.equal(failuresLeft, 0);
    assert.equal(errors.length, 2);
    const after = (await op('DescribeTable', { TableName: 'Copy' })) as { Table: { TableStatus: string; ItemCount: number } };
    assert.equal(after.Table.TableStatus, 'ACTIVE');
    assert.equal(after.Table.ItemCount, 50);
  } finally {
    await strata.close();
  }
});
