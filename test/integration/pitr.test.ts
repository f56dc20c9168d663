import {
  CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand,
  PutItemCommand, QueryCommand, RestoreTableToPointInTimeCommand, TagResourceCommand, TransactWriteItemsCommand, UpdateContinuousBackupsCommand,
  UpdateItemCommand, UpdateTimeToLiveCommand, type AttributeValue, type DynamoDBClient, type RestoreTableToPointInTimeCommandInput,
} from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { admin, adminRaw, advance, nowMs, scanAll, storage, waitActive } from '../helpers/admin.js';
import { awsCli, dynamo } from '../helpers/clients.js';
import { BIN, removeDir, startStrataProcess, tempDir, type StrataProcess } from '../helpers/strata-process.js';

const run = promisify(execFile);
const DAY = 24 * 3600;

let strata: StrataProcess;
let client: DynamoDBClient;

async function expectError(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

async function createTable(name: string, extra: Partial<ConstructorParameters<typeof CreateTableCommand>[0]> = {}): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  }));
}

async function enable(name: string, days?: number): Promise<void> {
  await client.send(new UpdateContinuousBackupsCommand({
    TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, ...(days ? { RecoveryPeriodInDays: days } : {}) },
  }));
}

async function pitrDescription(name: string): Promise<Record<string, unknown>> {
  const d = await client.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  return d.ContinuousBackupsDescription!.PointInTimeRecoveryDescription as Record<string, unknown>;
}

function put(table: string, pk: string, attrs: Record<string, AttributeValue> = {}): Promise<unknown> {
  return client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...attrs } }));
}

async function restore(input: Omit<RestoreTableToPointInTimeCommandInput, 'TargetTableName'> & { TargetTableName: string }): Promise<Map<string, Record<string, AttributeValue>>> {
  const r = await client.send(new RestoreTableToPointInTimeCommand(input));
  assert.equal(r.TableDescription?.TableStatus, 'CREATING');
  assert.equal(r.TableDescription?.RestoreSummary?.RestoreInProgress, true);
  await waitActive(client, input.TargetTableName);
  return scanAll(client, input.TargetTableName, ['pk']);
}

function plain(items: Map<string, Record<string, AttributeValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items.values()) out[item.pk!.S!] = item;
  return out;
}

before(async () => {
  // The default lag (300 s, AWS's "about five minutes"); TTL sweeps only when a test asks for one.
  // Restores pause 300 ms between pages so the test can see one in progress (single-page restores never wait).
  strata = await startStrataProcess(['--in-memory', '--ttl-sweep-seconds', '86400'], { env: { STRATA_TEST_RESTORE_PAGE_DELAY_MS: '300' } });
  client = dynamo(strata.url);
});

after(async () => {
  client.destroy();
  await strata.stop();
});

describe('continuous backups', () => {
  test('the CLI command from the export guide enables PITR, and describe shows it', async () => {
    await createTable('MusicCollection');
    const off = await awsCli(strata.url, ['dynamodb', 'describe-continuous-backups', '--table-name', 'MusicCollection']);
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout), {
      ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } },
    });
    const on = await awsCli(strata.url, ['dynamodb', 'update-continuous-backups', '--table-name', 'MusicCollection',
      '--point-in-time-recovery-specification', 'PointInTimeRecoveryEnabled=True']);
    assert.equal(on.code, 0, on.stderr);
    const d = (JSON.parse(on.stdout) as { ContinuousBackupsDescription: { ContinuousBackupsStatus: string; PointInTimeRecoveryDescription: Record<string, unknown> } }).ContinuousBackupsDescription;
    assert.equal(d.ContinuousBackupsStatus, 'ENABLED');
    assert.equal(d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus, 'ENABLED');
    assert.equal(d.PointInTimeRecoveryDescription.RecoveryPeriodInDays, 35);
    // Just after enabling, Earliest == Latest (the enable instant), as in AWS's CLI example.
    assert.equal(d.PointInTimeRecoveryDescription.EarliestRestorableDateTime, d.PointInTimeRecoveryDescription.LatestRestorableDateTime);
    const again = await awsCli(strata.url, ['dynamodb', 'describe-continuous-backups', '--table-name', 'MusicCollection']);
    assert.equal((JSON.parse(again.stdout) as { ContinuousBackupsDescription: { PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: string } } })
      .ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus, 'ENABLED');
  });

  test('the window: enable time, the five-minute lag, the recovery period, disable and re-enable', async () => {
    await createTable('Window');
    const before0 = await nowMs(strata.url);
    await enable('Window');
    const after0 = await nowMs(strata.url);
    let p = await pitrDescription('Window');
    const enabledAt = (p.EarliestRestorableDateTime as Date).getTime();
    assert.ok(enabledAt >= before0 && enabledAt <= after0, `${enabledAt} not in [${before0}, ${after0}]`);
    assert.equal((p.LatestRestorableDateTime as Date).getTime(), enabledAt);
    assert.equal(p.RecoveryPeriodInDays, 35);

    // Latest stays at the enable time until the 300 s lag has passed, then trails now by 300 s.
    await advance(strata.url, 200);
    p = await pitrDescription('Window');
    assert.equal((p.LatestRestorableDateTime as Date).getTime(), enabledAt);
    const t1 = await advance(strata.url, 400);
    p = await pitrDescription('Window');
    const t2 = await nowMs(strata.url);
    const latest = (p.LatestRestorableDateTime as Date).getTime();
    assert.ok(latest >= t1 - 300_000 && latest <= t2 - 300_000, `latest ${latest} not in [${t1 - 300_000}, ${t2 - 300_000}]`);
    assert.equal((p.EarliestRestorableDateTime as Date).getTime(), enabledAt);

    // A one-day period: two days later the window starts one day ago.
    await enable('Window', 1);
    assert.equal((await pitrDescription('Window')).RecoveryPeriodInDays, 1);
    const t3 = await advance(strata.url, 2 * DAY);
    p = await pitrDescription('Window');
    const t4 = await nowMs(strata.url);
    const earliest = (p.EarliestRestorableDateTime as Date).getTime();
    assert.ok(earliest >= t3 - DAY * 1000 && earliest <= t4 - DAY * 1000);
    // Growing the period back to 35 days cannot bring back what one day already let go.
    await enable('Window', 35);
    p = await pitrDescription('Window');
    assert.equal(p.RecoveryPeriodInDays, 35);
    assert.ok((p.EarliestRestorableDateTime as Date).getTime() >= earliest);

    // Disabling forgets the window and the period; re-enabling starts a new window now.
    const off = await client.send(new UpdateContinuousBackupsCommand({ TableName: 'Window', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    assert.deepEqual(off.ContinuousBackupsDescription, { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } });
    const t5 = await nowMs(strata.url);
    await enable('Window');
    p = await pitrDescription('Window');
    assert.equal(p.RecoveryPeriodInDays, 35);
    assert.ok((p.EarliestRestorableDateTime as Date).getTime() >= t5);
  });

  test('validation errors have AWS names and messages', async () => {
    await createTable('Valid');
    const spec = (s: Record<string, unknown>) => new UpdateContinuousBackupsCommand({ TableName: 'Valid', PointInTimeRecoverySpecification: s as never });
    await expectError(client.send(spec({})), 'ValidationException',
      "1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null");
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 0 })), 'ValidationException',
      "1 validation error detected: Value '0' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 36 })), 'ValidationException',
      "1 validation error detected: Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35");
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: false, RecoveryPeriodInDays: 7 })), 'ValidationException',
      'Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.');
    await expectError(client.send(new UpdateContinuousBackupsCommand({ TableName: 'Missing', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })),
      'TableNotFoundException', 'Table not found: Missing');
    await expectError(client.send(new DescribeContinuousBackupsCommand({ TableName: 'Missing' })), 'TableNotFoundException', 'Table not found: Missing');
    // Nothing changed.
    assert.deepEqual(await pitrDescription('Valid'), { PointInTimeRecoveryStatus: 'DISABLED' });

    const r = (extra: Record<string, unknown>) => client.send(new RestoreTableToPointInTimeCommand({ TargetTableName: 'ValidCopy', ...extra } as never));
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: true }), 'PointInTimeRecoveryUnavailableException',
      "Point in time recovery is not enabled for table 'Valid'");
    await expectError(r({ SourceTableName: 'Missing', UseLatestRestorableTime: true }), 'TableNotFoundException', 'Table not found: Missing');
    await expectError(r({ SourceTableName: 'Valid' }), 'ValidationException',
      'Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both');
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: true, RestoreDateTime: new Date() }), 'ValidationException',
      /^Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore request\./);
    await expectError(r({ SourceTableName: 'Valid', SourceTableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Valid', UseLatestRestorableTime: true }),
      'ValidationException', 'Must provide exactly one of: sourceTableArn, sourceTableName');
    await expectError(r({ SourceTableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/Valid', UseLatestRestorableTime: true }), 'ValidationException',
      "This action is only supported by accounts that match the resource owner's account");
    await expectError(r({ SourceTableArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Valid', UseLatestRestorableTime: true }), 'ValidationException',
      'Invalid Request: sseSpecificationOverride must be provided for cross-region restores');
    await expectError(client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Valid', TargetTableName: 'bad name!', UseLatestRestorableTime: true })),
      'ValidationException', /^1 validation error detected: Value 'bad name!' at 'targetTableName' failed to satisfy constraint: Member must satisfy regular expression pattern/);

    await enable('Valid');
    // Wrong JSON types fail deserialization and change nothing (a stray "yes" must not disable PITR).
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: 'yes' })), 'SerializationException', "'YES' can not be converted to an Boolean");
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: 1 })), 'SerializationException', 'class java.lang.Short can not be converted to an Boolean');
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 'abc' })), 'SerializationException',
      'class java.lang.String can not be converted to an Integer');
    await expectError(client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: [7] })), 'SerializationException', 'Start of list found where not expected');
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: 'true' }), 'SerializationException', "'TRUE' can not be converted to an Boolean");
    const unchanged = await pitrDescription('Valid');
    assert.equal(unchanged.PointInTimeRecoveryStatus, 'ENABLED');
    assert.equal(unchanged.RecoveryPeriodInDays, 35);
    // A fraction is truncated, as AWS's deserializer does.
    await client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 34.5 }));
    assert.equal((await pitrDescription('Valid')).RecoveryPeriodInDays, 34);
    await client.send(spec({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 }));
    const w = await pitrDescription('Valid');
    const early = new Date((w.EarliestRestorableDateTime as Date).getTime() - 3_600_000);
    const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    await expectError(r({ SourceTableName: 'Valid', RestoreDateTime: early }), 'InvalidRestoreTimeException',
      `RestoreDateTime '${iso(early)}' must be within EarliestRestorableDateTime '${iso(w.EarliestRestorableDateTime as Date)}' and LatestRestorableDateTime '${iso(w.LatestRestorableDateTime as Date)}'`);
    const future = new Date(Date.now() + 10 * DAY * 1000);
    await expectError(r({ SourceTableName: 'Valid', RestoreDateTime: future }), 'InvalidRestoreTimeException', /must be within EarliestRestorableDateTime/);
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: true, BillingModeOverride: 'PROVISIONED' }), 'ValidationException',
      'Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED');
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: true, ProvisionedThroughputOverride: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }),
      'ValidationException', 'Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED');
    await expectError(r({ SourceTableName: 'Valid', UseLatestRestorableTime: true, GlobalSecondaryIndexOverride: [
      { IndexName: 'byX', KeySchema: [{ AttributeName: 'x', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }] }),
    'ValidationException', 'Index byX does not match a secondary index that existed in the source table and cannot be created during the restore operation');
    await expectError(r({ SourceTableName: 'Valid', TargetTableName: 'Valid', UseLatestRestorableTime: true }), 'TableAlreadyExistsException', 'Table already exists: Valid');
    // None of these created the target.
    await expectError(client.send(new DescribeTableCommand({ TableName: 'ValidCopy' })), 'ResourceNotFoundException');
  });
});

describe('restore', () => {
  test('restores exactly the items of each instant: puts, updates, deletes, transactions, TTL expiries, indexes', async () => {
    await createTable('Orders', {
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'status', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      SSESpecification: { Enabled: true, SSEType: 'KMS' },
      Tags: [{ Key: 'team', Value: 'orders' }],
    });
    await client.send(new UpdateTimeToLiveCommand({ TableName: 'Orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }));
    await put('Orders', 'before-enable', { status: { S: 'old' } });
    await enable('Orders');
    const instants: number[] = [];
    const expected: Array<Record<string, unknown>> = [];
    const mark = async (): Promise<void> => {
      instants.push(await nowMs(strata.url));
      expected.push(plain(await scanAll(client, 'Orders', ['pk'])));
    };
    await mark(); // 0: the enable instant
    await put('Orders', 'a', { status: { S: 'new' }, n: { N: '1' } });
    await put('Orders', 'b', { status: { S: 'new' } });
    await mark(); // 1
    await client.send(new UpdateItemCommand({ TableName: 'Orders', Key: { pk: { S: 'a' } }, UpdateExpression: 'SET #s = :s ADD n :one',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'shipped' }, ':one': { N: '1' } } }));
    await client.send(new DeleteItemCommand({ TableName: 'Orders', Key: { pk: { S: 'b' } } }));
    const nowS = Math.floor((await nowMs(strata.url)) / 1000);
    await put('Orders', 'expiring', { status: { S: 'new' }, exp: { N: String(nowS - 10) } });
    await mark(); // 2
    await client.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'Orders', Item: { pk: { S: 'c' }, status: { S: 'new' } } } },
      { Delete: { TableName: 'Orders', Key: { pk: { S: 'before-enable' } } } },
    ] }));
    await mark(); // 3
    const swept = await admin(strata.url, 'POST', '/_strata/ttl/sweep');
    assert.equal(swept.Expired, 1);
    await mark(); // 4: the TTL expiry is a version like any other
    await put('Orders', 'b', { status: { S: 'again' } });
    await mark(); // 5
    assert.deepEqual(Object.keys(expected[4]!).sort(), ['a', 'c']);

    // Past the five-minute lag, every instant is restorable.
    await advance(strata.url, 400);
    for (let i = 0; i < instants.length; i++) {
      const got = await restore({ SourceTableName: 'Orders', TargetTableName: `Orders-at-${i}`, RestoreDateTime: new Date(instants[i]!) });
      assert.deepEqual(plain(got), expected[i], `restore at instant ${i}`);
    }
    // The restored table: indexes rebuilt, SSE and billing kept, TTL/PITR/tags/stream not carried over.
    const d = (await client.send(new DescribeTableCommand({ TableName: 'Orders-at-3' }))).Table!;
    assert.equal(d.TableStatus, 'ACTIVE');
    assert.equal(d.RestoreSummary, undefined, 'AWS drops RestoreSummary once the table is ACTIVE');
    assert.equal(d.ItemCount, Object.keys(expected[3]!).length);
    assert.equal(d.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(d.SSEDescription?.Status, 'ENABLED');
    assert.equal(d.GlobalSecondaryIndexes?.[0]?.IndexName, 'byStatus');
    assert.equal(d.GlobalSecondaryIndexes?.[0]?.ItemCount, Object.keys(expected[3]!).length);
    const q = await client.send(new QueryCommand({ TableName: 'Orders-at-3', IndexName: 'byStatus', KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'new' } } }));
    assert.deepEqual(q.Items?.map((i) => i.pk?.S).sort(), ['c', 'expiring']);
    assert.equal((await client.send(new DescribeTimeToLiveCommand({ TableName: 'Orders-at-3' }))).TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED');
    assert.deepEqual(await pitrDescription('Orders-at-3'), { PointInTimeRecoveryStatus: 'DISABLED' });

    // UseLatestRestorableTime (now - 300 s, after everything above), by ARN, with overrides.
    const latest = await client.send(new RestoreTableToPointInTimeCommand({
      SourceTableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders', TargetTableName: 'Orders-latest', UseLatestRestorableTime: true,
      BillingModeOverride: 'PROVISIONED', ProvisionedThroughputOverride: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 }, GlobalSecondaryIndexOverride: [],
    }));
    assert.equal(latest.TableDescription?.RestoreSummary?.SourceTableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders');
    await waitActive(client, 'Orders-latest');
    assert.deepEqual(plain(await scanAll(client, 'Orders-latest', ['pk'])), expected[5]);
    const dl = (await client.send(new DescribeTableCommand({ TableName: 'Orders-latest' }))).Table!;
    assert.equal(dl.BillingModeSummary, undefined);
    assert.deepEqual([dl.ProvisionedThroughput?.ReadCapacityUnits, dl.ProvisionedThroughput?.WriteCapacityUnits], [3, 4]);
    assert.equal(dl.GlobalSecondaryIndexes, undefined);
    assert.deepEqual(dl.AttributeDefinitions, [{ AttributeName: 'pk', AttributeType: 'S' }]);
    // The source goes on changing independently of its restores.
    await put('Orders', 'later');
    assert.equal((await scanAll(client, 'Orders-latest', ['pk'])).has(JSON.stringify([{ S: 'later' }])), false);
    await expectError(client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Orders', TargetTableName: 'Orders-latest', UseLatestRestorableTime: true })),
      'TableAlreadyExistsException', 'Table already exists: Orders-latest');
  });

  test('storage shrinks once the window has passed; current reads and restores inside the window are unaffected', async () => {
    await createTable('Churn');
    await enable('Churn', 1);
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 40 }, (_, k) => put('Churn', `k${k}`, { round: { N: String(round) }, pad: { S: 'x'.repeat(100) } })));
    }
    for (let k = 30; k < 40; k++) await client.send(new DeleteItemCommand({ TableName: 'Churn', Key: { pk: { S: `k${k}` } } }));
    const full = await storage(strata.url, 'Churn');
    assert.equal(full.VersionCount, 410);
    assert.equal(full.ItemCount, 30);
    const current = plain(await scanAll(client, 'Churn', ['pk']));

    // A table without PITR keeps no history at all: retention compacts it to its current items.
    await createTable('NoPitr');
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 20 }, (_, k) => put('NoPitr', `k${k}`, { round: { N: String(round) } })));
    await client.send(new DeleteItemCommand({ TableName: 'NoPitr', Key: { pk: { S: 'k0' } } }));

    // Two days later (one-day window) the history before the window is gone: one version per live key.
    await advance(strata.url, 2 * DAY);
    const deadline = Date.now() + 10_000;
    let s = await storage(strata.url, 'Churn');
    while (s.VersionCount > 30 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      s = await storage(strata.url, 'Churn');
    }
    assert.equal(s.VersionCount, 30, 'retention keeps the newest version of each live key, and no tombstones');
    assert.ok(s.VersionBytes < full.VersionBytes / 10, `${s.VersionBytes} vs ${full.VersionBytes}`);
    assert.equal((await storage(strata.url, 'NoPitr')).VersionCount, 19);
    assert.deepEqual(plain(await scanAll(client, 'Churn', ['pk'])), current);
    // (The window slides with the clock: aim a little inside it.)
    const w = await pitrDescription('Churn');
    const nearEarliest = new Date((w.EarliestRestorableDateTime as Date).getTime() + 5_000);
    assert.deepEqual(plain(await restore({ SourceTableName: 'Churn', TargetTableName: 'Churn-earliest', RestoreDateTime: nearEarliest })), current);

    // Changes inside the window are kept until they leave it; disabling PITR discards them.
    await put('Churn', 'k0', { round: { N: '99' } });
    await put('Churn', 'k0', { round: { N: '100' } });
    await admin(strata.url, 'POST', '/_strata/pitr/compact');
    assert.equal((await storage(strata.url, 'Churn')).VersionCount, 32);
    await client.send(new UpdateContinuousBackupsCommand({ TableName: 'Churn', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    await admin(strata.url, 'POST', '/_strata/pitr/compact');
    assert.equal((await storage(strata.url, 'Churn')).VersionCount, 30);
  });

  test('a table being restored is CREATING: writes are refused until it is ACTIVE; deleting the source does not disturb it', async () => {
    await createTable('Big');
    for (let i = 0; i < 40; i++) {
      await client.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 100 }, (_, k) => ({
        Put: { TableName: 'Big', Item: { pk: { S: `item-${i}-${k}` }, body: { S: 'y'.repeat(200) } } },
      })) }));
    }
    await enable('Big');
    const r = await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Big', TargetTableName: 'Big-copy', UseLatestRestorableTime: true }));
    assert.equal(r.TableDescription?.TableStatus, 'CREATING');
    const putResult = await put('Big-copy', 'sneaky').then(() => 'ok', (e: Error) => e.name);
    const delResult = await client.send(new DeleteTableCommand({ TableName: 'Big-copy' })).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
    const tagResult = await client.send(new UpdateContinuousBackupsCommand({ TableName: 'Big-copy', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }))
      .then(() => 'ok', (e: Error) => e.name);
    const copyArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/Big-copy';
    const tagging = await client.send(new TagResourceCommand({ ResourceArn: copyArn, Tags: [{ Key: 'k', Value: 'v' }] }))
      .then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
    const again = await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Big', TargetTableName: 'Big-copy', UseLatestRestorableTime: true }))
      .then(() => 'ok', (e: Error) => e.name);
    const status = (await client.send(new DescribeTableCommand({ TableName: 'Big-copy' }))).Table?.TableStatus;
    assert.equal(status, 'CREATING');
    assert.equal(putResult, 'ResourceNotFoundException');
    assert.equal(delResult, 'ResourceInUseException: Attempt to change a resource which is still in use: Table is being created: Big-copy');
    assert.equal(tagResult, 'TableNotFoundException');
    assert.equal(again, 'TableInUseException');
    assert.equal(tagging, `ResourceNotFoundException: Requested resource not found: ResourcArn: ${copyArn} not found`);
    const during = (await client.send(new DescribeTableCommand({ TableName: 'Big-copy' }))).Table!;
    assert.equal(during.RestoreSummary?.RestoreInProgress, true);
    assert.ok((during.ItemCount ?? 0) < 4000);
    // Deleting the source does not disturb a restore in progress: its versions are held until it is done.
    await client.send(new DeleteTableCommand({ TableName: 'Big' }));
    await waitActive(client, 'Big-copy');
    assert.equal((await client.send(new DescribeTableCommand({ TableName: 'Big-copy' }))).Table?.ItemCount, 4000);
    assert.equal((await scanAll(client, 'Big-copy', ['pk'])).size, 4000);
    await client.send(new TagResourceCommand({ ResourceArn: copyArn, Tags: [{ Key: 'k', Value: 'v' }] }));
  });
});

describe('time travel', () => {
  test('--time-travel false refuses to move the clock (and says why), other admin calls still work', async () => {
    const s = await startStrataProcess(['--in-memory', '--time-travel', 'false']);
    try {
      const before1 = await nowMs(s.url);
      const refused = await adminRaw(s.url, 'POST', '/_strata/clock/advance', { seconds: 60 });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.message, 'Time travel is disabled on this server (--time-travel false)');
      assert.ok((await nowMs(s.url)) < before1 + 60_000);
    } finally {
      await s.stop();
    }
  });

  test('the admin API is signed: unsigned and badly signed requests are refused', async () => {
    const unsigned = await fetch(`${strata.url}/_strata/clock`);
    assert.equal(unsigned.status, 400);
    assert.match(await unsigned.text(), /MissingAuthenticationTokenException/);
    const bad = await adminRaw(strata.url, 'POST', '/_strata/clock/advance', { seconds: -5 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /the clock only moves forward/);
    const missing = await adminRaw(strata.url, 'GET', '/_strata/nothing');
    assert.equal(missing.status, 404);
  });

  test('`strata clock advance` moves the server clock forward', async () => {
    const before1 = await nowMs(strata.url);
    const { stdout } = await run(process.execPath, [BIN, 'clock', 'advance', '--seconds', '90', '--endpoint', strata.url],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });
    assert.match(stdout, /offset \d+(\.\d+)? s/);
    assert.ok((await nowMs(strata.url)) >= before1 + 90_000);
    const { stdout: shown } = await run(process.execPath, [BIN, 'clock', '--endpoint', strata.url]);
    assert.match(shown, /^\d{4}-\d\d-\d\dT/);
  });

  test('kill -9 during a restore: on restart the restore resumes and completes; the clock offset survives', async () => {
    const dataDir = tempDir();
    let s = await startStrataProcess(['--pitr-lag', '0'], { dataDir, env: { STRATA_TEST_RESTORE_PAGE_DELAY_MS: '500' } });
    let c = dynamo(s.url);
    try {
      await c.send(new CreateTableCommand({ TableName: 'Src', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
      for (let i = 0; i < 100; i++) {
        await c.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 100 }, (_, k) => ({
          Put: { TableName: 'Src', Item: { pk: { S: `i${i}-${k}` }, v: { N: String(i * 100 + k) }, pad: { S: 'z'.repeat(300) } } },
        })) }));
      }
      await c.send(new UpdateContinuousBackupsCommand({ TableName: 'Src', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
      const offset = Number((await admin(s.url, 'POST', '/_strata/clock/advance', { seconds: 1000 })).offsetSeconds);
      const at = await nowMs(s.url);
      // Later changes must not leak into the restore.
      await c.send(new PutItemCommand({ TableName: 'Src', Item: { pk: { S: 'late' } } }));
      await c.send(new DeleteItemCommand({ TableName: 'Src', Key: { pk: { S: 'i0-0' } } }));
      await c.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Src', TargetTableName: 'Dst', RestoreDateTime: new Date(at) }));
      await s.stop('SIGKILL');
      c.destroy();

      s = await startStrataProcess(['--pitr-lag', '0'], { dataDir });
      c = dynamo(s.url);
      assert.equal(Number((await admin(s.url, 'GET', '/_strata/clock')).offsetSeconds), offset);
      await waitActive(c, 'Dst', 60_000);
      assert.match(s.output(), /resuming restore into table Dst/);
      const items = await scanAll(c, 'Dst', ['pk']);
      assert.equal(items.size, 10_000);
      assert.ok(items.has(JSON.stringify([{ S: 'i0-0' }])));
      assert.ok(!items.has(JSON.stringify([{ S: 'late' }])));
      assert.equal(items.get(JSON.stringify([{ S: 'i99-99' }]))?.v?.N, '9999');
      const d = (await c.send(new DescribeTableCommand({ TableName: 'Dst' }))).Table!;
      assert.equal(d.ItemCount, 10_000);
    } finally {
      c.destroy();
      await s.stop();
      removeDir(dataDir);
    }
  });
});
