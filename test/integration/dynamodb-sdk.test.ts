import {
  BatchGetItemCommand, BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeTableCommand,
  DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, ListTagsOfResourceCommand, PutItemCommand, QueryCommand,
  ScanCommand, TagResourceCommand, TransactGetItemsCommand, TransactWriteItemsCommand, UntagResourceCommand, UpdateItemCommand,
  UpdateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand as DocQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { documentClient, dynamo } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

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

async function createSimple(name: string, range = false): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(range ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(range ? [{ AttributeName: 'sk', AttributeType: 'N' as const }] : [])],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}

before(async () => {
  strata = await startStrataProcess(['--in-memory', '--ttl-sweep-seconds', '1']);
  client = dynamo(strata.url);
});

after(async () => {
  client.destroy();
  await strata.stop();
});

describe('tables', () => {
  test('create, describe, list, wait, delete', async () => {
    const created = await client.send(new CreateTableCommand({
      TableName: 'Books',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      Tags: [{ Key: 'team', Value: 'data' }],
      SSESpecification: { Enabled: true, SSEType: 'KMS' },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    const d = created.TableDescription!;
    assert.equal(d.TableStatus, 'CREATING');
    assert.equal(d.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/Books');
    assert.match(d.TableId!, /^[0-9a-f-]{36}$/);
    assert.equal(d.ProvisionedThroughput?.ReadCapacityUnits, 5);
    assert.equal(d.SSEDescription?.Status, 'ENABLED');
    assert.equal(d.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: 'Books' });
    const desc = (await client.send(new DescribeTableCommand({ TableName: 'Books' }))).Table!;
    assert.equal(desc.TableStatus, 'ACTIVE');
    assert.equal(desc.ItemCount, 0);
    assert.ok(desc.CreationDateTime instanceof Date);
    const list = await client.send(new ListTablesCommand({}));
    assert.ok(list.TableNames!.includes('Books'));
    const deleted = await client.send(new DeleteTableCommand({ TableName: 'Books' }));
    assert.equal(deleted.TableDescription?.TableStatus, 'DELETING');
    await expectError(client.send(new DescribeTableCommand({ TableName: 'Books' })), 'ResourceNotFoundException', 'Requested resource not found: Table: Books not found');
  });

  test('ListTables paginates', async () => {
    for (const n of ['page_a', 'page_b', 'page_c']) await createSimple(n);
    const first = await client.send(new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: 'page' }));
    assert.deepEqual(first.TableNames, ['page_a', 'page_b']);
    assert.equal(first.LastEvaluatedTableName, 'page_b');
    const second = await client.send(new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: first.LastEvaluatedTableName }));
    assert.equal(second.TableNames![0], 'page_c');
  });

  test('CreateTable validation errors', async () => {
    await expectError(client.send(new CreateTableCommand({
      TableName: 'ab', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    })), 'ValidationException', "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
    await expectError(client.send(new CreateTableCommand({
      TableName: 'bad1', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'other', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    })), 'ValidationException', 'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]');
    await expectError(client.send(new CreateTableCommand({
      TableName: 'bad2', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    })), 'ValidationException', 'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
    await expectError(client.send(new CreateTableCommand({
      TableName: 'bad3', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'x', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    })), 'ValidationException', 'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
    await createSimple('dupe_table');
    await expectError(createSimple('dupe_table'), 'ResourceInUseException', 'Table already exists: dupe_table');
  });

  test('tags', async () => {
    await createSimple('tagged');
    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/tagged';
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] }));
    const tags = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'b', Value: '2' }]);
  });
});

describe('items', () => {
  before(async () => {
    await createSimple('items', true);
  });

  test('put, get, numbers normalised, ReturnValues', async () => {
    await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '01.50' }, s: { SS: ['x', 'y'] } } }));
    const got = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' }, sk: { N: '1.0' } } }));
    assert.deepEqual(got.Item, { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1.5' }, s: { SS: ['x', 'y'] } });
    const put = await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'new' } }, ReturnValues: 'ALL_OLD' }));
    assert.equal(put.Attributes?.n?.N, '1.5');
    const missing = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'zz' }, sk: { N: '1' } } }));
    assert.equal(missing.Item, undefined);
  });

  test('conditions and ConditionalCheckFailedException with the old item', async () => {
    await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'c' }, sk: { N: '1' }, v: { N: '5' } } }));
    await expectError(client.send(new PutItemCommand({
      TableName: 'items', Item: { pk: { S: 'c' }, sk: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)',
    })), 'ConditionalCheckFailedException', 'The conditional request failed');
    await assert.rejects(client.send(new PutItemCommand({
      TableName: 'items', Item: { pk: { S: 'c' }, sk: { N: '1' } }, ConditionExpression: 'v > :x', ExpressionAttributeValues: { ':x': { N: '10' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })), (e: Error & { Item?: unknown }) => {
      assert.deepEqual(e.Item, { pk: { S: 'c' }, sk: { N: '1' }, v: { N: '5' } });
      return true;
    });
    const got = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'c' }, sk: { N: '1' } } }));
    assert.equal(got.Item?.v?.N, '5', 'a failed condition changes nothing');
  });

  test('update expressions and ReturnValues', async () => {
    await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'u' }, sk: { N: '1' }, count: { N: '1' }, tags: { SS: ['a'] }, lst: { L: [{ S: 'x' }] } } }));
    const res = await client.send(new UpdateItemCommand({
      TableName: 'items', Key: { pk: { S: 'u' }, sk: { N: '1' } },
      UpdateExpression: 'SET #c = #c + :one, lst = list_append(lst, :more), created = if_not_exists(created, :now) REMOVE gone ADD tags :t',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':more': { L: [{ S: 'y' }] }, ':now': { N: '100' }, ':t': { SS: ['b'] } },
      ReturnValues: 'ALL_NEW',
    }));
    assert.equal(res.Attributes?.count?.N, '2');
    assert.deepEqual(res.Attributes?.lst, { L: [{ S: 'x' }, { S: 'y' }] });
    assert.equal(res.Attributes?.created?.N, '100');
    assert.deepEqual(new Set(res.Attributes?.tags?.SS), new Set(['a', 'b']));
    const old = await client.send(new UpdateItemCommand({
      TableName: 'items', Key: { pk: { S: 'u' }, sk: { N: '1' } }, UpdateExpression: 'SET #c = :v', ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':v': { N: '9' } }, ReturnValues: 'UPDATED_OLD',
    }));
    assert.deepEqual(old.Attributes, { count: { N: '2' } });
    await expectError(client.send(new UpdateItemCommand({
      TableName: 'items', Key: { pk: { S: 'u' }, sk: { N: '1' } }, UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': { S: 'x' } },
    })), 'ValidationException', 'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key');
  });

  test('delete with ReturnValues', async () => {
    await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'd' }, sk: { N: '1' }, v: { S: 'bye' } } }));
    const res = await client.send(new DeleteItemCommand({ TableName: 'items', Key: { pk: { S: 'd' }, sk: { N: '1' } }, ReturnValues: 'ALL_OLD' }));
    assert.equal(res.Attributes?.v?.S, 'bye');
    const got = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'd' }, sk: { N: '1' } } }));
    assert.equal(got.Item, undefined);
  });

  test('item validation errors', async () => {
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: '' }, sk: { N: '1' } } })), 'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' } } })), 'ValidationException',
      'One or more parameter values were invalid: Missing the key sk in the item');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { S: '1' } } })), 'ValidationException',
      'One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S');
    await expectError(client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } })), 'ValidationException',
      'The provided key element does not match the schema');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'big' }, sk: { N: '1' }, blob: { S: 'x'.repeat(400 * 1024) } } })),
      'ValidationException', 'Item size has exceeded the maximum allowed size');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1'.repeat(39) } } })),
      'ValidationException', 'Attempting to store more than 38 significant digits in a Number');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, s: { SS: [] } } })),
      'ValidationException', 'One or more parameter values were invalid: An string set  may not be empty');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, s: { NS: [] } } })),
      'ValidationException', 'One or more parameter values were invalid: An number set  may not be empty');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, s: { SS: ['a', 'b', 'a'] } } })),
      'ValidationException', 'One or more parameter values were invalid: Input collection ["a", "b", "a"] contains duplicates.');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1e126' } } })),
      'ValidationException', 'Number overflow. Attempting to store a number with magnitude larger than supported range');
    await expectError(client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' }, n: { N: '1e-131' } } })),
      'ValidationException', 'Number underflow. Attempting to store a number with magnitude smaller than supported range');
    await expectError(client.send(new GetItemCommand({ TableName: 'nope_table', Key: { pk: { S: 'a' } } })), 'ResourceNotFoundException', 'Requested resource not found');
    await expectError(client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' }, sk: { N: '1' } }, ProjectionExpression: 'name' })),
      'ValidationException', 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name');
    await expectError(client.send(new PutItemCommand({
      TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: '1' } }, ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':unused': { S: 'x' } },
    })), 'ValidationException', 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}');
  });
});

describe('query and scan', () => {
  before(async () => {
    await client.send(new CreateTableCommand({
      TableName: 'events',
      KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
      AttributeDefinitions: [
        { AttributeName: 'user', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }, { AttributeName: 'kind', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'by_kind', KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      LocalSecondaryIndexes: [{ IndexName: 'by_kind_local', KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }, { AttributeName: 'kind', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const requests = [];
    for (let i = 0; i < 60; i++) {
      requests.push({ PutRequest: { Item: { user: { S: `u${i % 3}` }, ts: { N: String(i - 20) }, kind: { S: i % 2 ? 'click' : 'view' }, payload: { S: 'p'.repeat(10) } } } });
    }
    for (let i = 0; i < requests.length; i += 25) {
      await client.send(new BatchWriteItemCommand({ RequestItems: { events: requests.slice(i, i + 25) } }));
    }
  });

  test('key conditions, order, limit and pagination', async () => {
    const all = await client.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': { S: 'u0' } } }));
    assert.equal(all.Count, 20);
    const ts = all.Items!.map((i) => Number(i.ts!.N));
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'sorted by numeric sort key, negatives first');
    const back = await client.send(new QueryCommand({
      TableName: 'events', KeyConditionExpression: '#u = :u AND ts BETWEEN :a AND :b', ExpressionAttributeNames: { '#u': 'user' },
      ExpressionAttributeValues: { ':u': { S: 'u0' }, ':a': { N: '-10' }, ':b': { N: '10' } }, ScanIndexForward: false,
    }));
    const backTs = back.Items!.map((i) => Number(i.ts!.N));
    assert.ok(backTs.every((t) => t >= -10 && t <= 10));
    assert.deepEqual(backTs, [...backTs].sort((a, b) => b - a));
    let pages = 0;
    let seen = 0;
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(new QueryCommand({
        TableName: 'events', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user' },
        ExpressionAttributeValues: { ':u': { S: 'u1' } }, Limit: 7, ExclusiveStartKey: start,
      }));
      pages++;
      seen += page.Count!;
      start = page.LastEvaluatedKey;
    } while (start);
    assert.equal(seen, 20);
    assert.ok(pages >= 3);
  });

  test('filter, projection, select count, index queries', async () => {
    const filtered = await client.send(new QueryCommand({
      TableName: 'events', KeyConditionExpression: '#u = :u', FilterExpression: 'kind = :k', ProjectionExpression: 'ts, kind',
      ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': { S: 'u2' }, ':k': { S: 'click' } },
    }));
    assert.equal(filtered.ScannedCount, 20);
    assert.ok(filtered.Count! > 0 && filtered.Count! < 20);
    assert.ok(filtered.Items!.every((i) => Object.keys(i).sort().join() === 'kind,ts'));
    const count = await client.send(new ScanCommand({ TableName: 'events', Select: 'COUNT' }));
    assert.equal(count.Count, 60);
    assert.equal(count.Items, undefined);
    const gsi = await client.send(new QueryCommand({
      TableName: 'events', IndexName: 'by_kind', KeyConditionExpression: 'kind = :k AND ts > :t', ExpressionAttributeValues: { ':k': { S: 'view' }, ':t': { N: '0' } },
    }));
    assert.ok(gsi.Items!.every((i) => i.kind!.S === 'view' && Number(i.ts!.N) > 0));
    assert.equal(gsi.Count, 19, 'even i in 22..58');
    const lsi = await client.send(new QueryCommand({
      TableName: 'events', IndexName: 'by_kind_local', KeyConditionExpression: '#u = :u AND begins_with(kind, :k)',
      ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':u': { S: 'u0' }, ':k': { S: 'cl' } },
    }));
    assert.ok(lsi.Count! > 0);
    assert.deepEqual(Object.keys(lsi.Items![0]!).sort(), ['kind', 'ts', 'user'], 'KEYS_ONLY projection');
    await expectError(client.send(new QueryCommand({
      TableName: 'events', IndexName: 'by_kind', ConsistentRead: true, KeyConditionExpression: 'kind = :k', ExpressionAttributeValues: { ':k': { S: 'view' } },
    })), 'ValidationException', 'Consistent reads are not supported on global secondary indexes');
    await expectError(client.send(new QueryCommand({ TableName: 'events', IndexName: 'nope', KeyConditionExpression: 'kind = :k', ExpressionAttributeValues: { ':k': { S: 'view' } } })),
      'ValidationException', 'The table does not have the specified index: nope');
  });

  test('parallel scan segments partition the table', async () => {
    const keys = new Set<string>();
    let total = 0;
    for (let seg = 0; seg < 4; seg++) {
      let start;
      do {
        const page: import('@aws-sdk/client-dynamodb').ScanCommandOutput = await client.send(new ScanCommand({ TableName: 'events', Segment: seg, TotalSegments: 4, Limit: 9, ExclusiveStartKey: start }));
        for (const i of page.Items!) keys.add(`${i.user!.S}/${i.ts!.N}`);
        total += page.Count!;
        start = page.LastEvaluatedKey;
      } while (start);
    }
    assert.equal(total, 60);
    assert.equal(keys.size, 60);
    const whole = await client.send(new ScanCommand({ TableName: 'events', IndexName: 'by_kind' }));
    assert.ok(whole.Count! > 0);
    const indexKeys = new Set<string>();
    for (let seg = 0; seg < 3; seg++) {
      let start;
      do {
        const page: import('@aws-sdk/client-dynamodb').ScanCommandOutput = await client.send(new ScanCommand({ TableName: 'events', IndexName: 'by_kind', Segment: seg, TotalSegments: 3, Limit: 7, ExclusiveStartKey: start }));
        for (const i of page.Items!) indexKeys.add(`${i.user!.S}/${i.ts!.N}`);
        start = page.LastEvaluatedKey;
      } while (start);
    }
    assert.equal(indexKeys.size, whole.Count, 'segments of an index partition it too');
    await expectError(client.send(new ScanCommand({ TableName: 'events', Segment: 4, TotalSegments: 4 })), 'ValidationException',
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4');
  });

  test('UpdateTable creates a GSI and backfills it', async () => {
    await client.send(new UpdateTableCommand({
      TableName: 'events',
      AttributeDefinitions: [{ AttributeName: 'payload', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'by_payload', KeySchema: [{ AttributeName: 'payload', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
    }));
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: 'events' }));
      if (d.Table!.GlobalSecondaryIndexes!.find((g) => g.IndexName === 'by_payload')?.IndexStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const q = await client.send(new QueryCommand({ TableName: 'events', IndexName: 'by_payload', KeyConditionExpression: 'payload = :p', ExpressionAttributeValues: { ':p': { S: 'p'.repeat(10) } } }));
    assert.equal(q.Count, 60);
  });
});

describe('batches and transactions', () => {
  before(async () => {
    await createSimple('txn');
  });

  test('BatchGetItem and limits', async () => {
    await client.send(new BatchWriteItemCommand({ RequestItems: { txn: [1, 2, 3].map((i) => ({ PutRequest: { Item: { pk: { S: `k${i}` }, v: { N: String(i) } } } })) } }));
    const got = await client.send(new BatchGetItemCommand({ RequestItems: { txn: { Keys: [{ pk: { S: 'k1' } }, { pk: { S: 'k3' } }, { pk: { S: 'none' } }] } } }));
    assert.equal(got.Responses!.txn!.length, 2);
    assert.deepEqual(got.UnprocessedKeys, {});
    await expectError(client.send(new BatchWriteItemCommand({ RequestItems: { txn: [{ PutRequest: { Item: { pk: { S: 'd' } } } }, { DeleteRequest: { Key: { pk: { S: 'd' } } } }] } })),
      'ValidationException', 'Provided list of item keys contains duplicates');
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ pk: { S: `m${i}` } }));
    await expectError(client.send(new BatchGetItemCommand({ RequestItems: { txn: { Keys: tooMany } } })), 'ValidationException', 'Too many items requested for the BatchGetItem call');
  });

  test('TransactWriteItems commits all or nothing', async () => {
    await client.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'txn', Item: { pk: { S: 't1' }, v: { N: '1' } } } },
        { Update: { TableName: 'txn', Key: { pk: { S: 'k1' } }, UpdateExpression: 'SET v = v + :d', ExpressionAttributeValues: { ':d': { N: '10' } } } },
      ],
    }));
    await assert.rejects(client.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'txn', Item: { pk: { S: 't2' } } } },
        { ConditionCheck: { TableName: 'txn', Key: { pk: { S: 'k2' } }, ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': { N: '999' } } } },
      ],
    })), (e: Error & { CancellationReasons?: Array<{ Code?: string }> }) => {
      assert.equal(e.name, 'TransactionCanceledException');
      assert.equal(e.message, 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]');
      assert.deepEqual(e.CancellationReasons?.map((r) => r.Code), ['None', 'ConditionalCheckFailed']);
      return true;
    });
    const res = await client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'txn', Key: { pk: { S: 't1' } } } }, { Get: { TableName: 'txn', Key: { pk: { S: 't2' } } } }, { Get: { TableName: 'txn', Key: { pk: { S: 'k1' } } } }] }));
    assert.equal(res.Responses![0]!.Item?.v?.N, '1');
    assert.equal(res.Responses![1]!.Item, undefined, 'cancelled transaction wrote nothing');
    assert.equal(res.Responses![2]!.Item?.v?.N, '11');
  });

  test('ClientRequestToken makes TransactWriteItems idempotent', async () => {
    const input = { ClientRequestToken: 'token-1', TransactItems: [{ Update: { TableName: 'txn', Key: { pk: { S: 'idem' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } }] };
    await client.send(new TransactWriteItemsCommand(input));
    await client.send(new TransactWriteItemsCommand(input));
    const got = await client.send(new GetItemCommand({ TableName: 'txn', Key: { pk: { S: 'idem' } } }));
    assert.equal(got.Item?.n?.N, '1');
    await expectError(client.send(new TransactWriteItemsCommand({ ...input, TransactItems: [{ Put: { TableName: 'txn', Item: { pk: { S: 'other' } } } }] })),
      'IdempotentParameterMismatchException');
    await expectError(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'txn', Item: { pk: { S: 'same' } } } }, { Delete: { TableName: 'txn', Key: { pk: { S: 'same' } } } }] })),
      'ValidationException', 'Transaction request cannot include multiple operations on one item');
  });
});

describe('document client', () => {
  test('put/get/update/query/delete with native JS values', async () => {
    const doc = documentClient(client);
    await createSimple('docs', true);
    await doc.send(new PutCommand({ TableName: 'docs', Item: { pk: 'p', sk: 1, name: 'x', tags: new Set(['a']), nested: { lst: [1, 'two', { three: 3 }] } } }));
    await doc.send(new UpdateCommand({ TableName: 'docs', Key: { pk: 'p', sk: 1 }, UpdateExpression: 'SET nested.lst[1] = :v', ExpressionAttributeValues: { ':v': 'TWO' } }));
    const got = await doc.send(new GetCommand({ TableName: 'docs', Key: { pk: 'p', sk: 1 }, ProjectionExpression: 'nested.lst[1], #n', ExpressionAttributeNames: { '#n': 'name' } }));
    assert.deepEqual(got.Item, { nested: { lst: ['TWO'] }, name: 'x' });
    const q = await doc.send(new DocQuery({ TableName: 'docs', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'p' } }));
    assert.equal(q.Items!.length, 1);
    await doc.send(new DeleteCommand({ TableName: 'docs', Key: { pk: 'p', sk: 1 } }));
    assert.equal((await doc.send(new GetCommand({ TableName: 'docs', Key: { pk: 'p', sk: 1 } }))).Item, undefined);
  });
});

describe('TTL', () => {
  test('expired items are deleted by the background sweep', async () => {
    await createSimple('ttl');
    await client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
    const d = await client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl' }));
    assert.deepEqual(d.TimeToLiveDescription, { TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    const now = Math.floor(Date.now() / 1000);
    await client.send(new PutItemCommand({ TableName: 'ttl', Item: { pk: { S: 'old' }, expires: { N: String(now - 10) } } }));
    await client.send(new PutItemCommand({ TableName: 'ttl', Item: { pk: { S: 'future' }, expires: { N: String(now + 3600) } } }));
    await client.send(new PutItemCommand({ TableName: 'ttl', Item: { pk: { S: 'none' } } }));
    let left = 3;
    for (let i = 0; i < 50 && left !== 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = (await client.send(new ScanCommand({ TableName: 'ttl', Select: 'COUNT' }))).Count!;
    }
    assert.equal(left, 2);
    assert.equal((await client.send(new GetItemCommand({ TableName: 'ttl', Key: { pk: { S: 'old' } } }))).Item, undefined);
    await expectError(client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } })),
      'ValidationException', 'TimeToLive is already enabled');
  });
});

describe('limits, capacity and table changes', () => {
  const hashTable = (name: string, extra: Record<string, unknown> = {}) => client.send(new CreateTableCommand({
    TableName: name, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST', ...extra,
  }));

  test('UpdateItem that would pass 400 KB is refused and changes nothing', async () => {
    await hashTable('big_update');
    await client.send(new PutItemCommand({ TableName: 'big_update', Item: { pk: { S: 'a' }, one: { S: 'x'.repeat(300 * 1024) } } }));
    await expectError(client.send(new UpdateItemCommand({
      TableName: 'big_update', Key: { pk: { S: 'a' } }, UpdateExpression: 'SET two = :v', ExpressionAttributeValues: { ':v': { S: 'y'.repeat(150 * 1024) } },
    })), 'ValidationException', 'Item size to update has exceeded the maximum allowed size');
    const got = await client.send(new GetItemCommand({ TableName: 'big_update', Key: { pk: { S: 'a' } } }));
    assert.deepEqual(Object.keys(got.Item!).sort(), ['one', 'pk']);
  });

  test('an empty binary key, duplicate number and binary sets', async () => {
    await client.send(new CreateTableCommand({
      TableName: 'bin_keys', KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'B' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await expectError(client.send(new PutItemCommand({ TableName: 'bin_keys', Item: { k: { B: new Uint8Array(0) } } })), 'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: k');
    await expectError(client.send(new GetItemCommand({ TableName: 'bin_keys', Key: { k: { B: new Uint8Array(0) } } })), 'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: k');
    const key = { k: { B: new Uint8Array([1]) } };
    await expectError(client.send(new PutItemCommand({ TableName: 'bin_keys', Item: { ...key, ns: { NS: ['1', '1.0'] } } })), 'ValidationException',
      'One or more parameter values were invalid: Input collection contains duplicates.');
    await expectError(client.send(new PutItemCommand({ TableName: 'bin_keys', Item: { ...key, bs: { BS: [new Uint8Array([1, 2]), new Uint8Array([1, 2])] } } })), 'ValidationException',
      'One or more parameter values were invalid: Input collection ["AQI=","AQI="]of type BS contains duplicates.');
    assert.equal((await client.send(new ScanCommand({ TableName: 'bin_keys' }))).Count, 0);
  });

  test('ReturnConsumedCapacity TOTAL and INDEXES', async () => {
    await hashTable('capacity');
    const item = { pk: { S: 'c' }, body: { S: 'b'.repeat(5000) } };
    const total = await client.send(new PutItemCommand({ TableName: 'capacity', Item: item, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(total.ConsumedCapacity, { TableName: 'capacity', CapacityUnits: 5, WriteCapacityUnits: 5 });
    const indexes = await client.send(new PutItemCommand({ TableName: 'capacity', Item: item, ReturnConsumedCapacity: 'INDEXES' }));
    assert.deepEqual(indexes.ConsumedCapacity, { TableName: 'capacity', CapacityUnits: 5, WriteCapacityUnits: 5, Table: { CapacityUnits: 5, WriteCapacityUnits: 5 } });
    const read = await client.send(new GetItemCommand({ TableName: 'capacity', Key: { pk: { S: 'c' } }, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(read.ConsumedCapacity, { TableName: 'capacity', CapacityUnits: 1, ReadCapacityUnits: 1 }, 'eventually consistent: half of 2 units');
    const strong = await client.send(new GetItemCommand({ TableName: 'capacity', Key: { pk: { S: 'c' } }, ConsistentRead: true, ReturnConsumedCapacity: 'INDEXES' }));
    assert.deepEqual(strong.ConsumedCapacity, { TableName: 'capacity', CapacityUnits: 2, ReadCapacityUnits: 2, Table: { CapacityUnits: 2, ReadCapacityUnits: 2 } });
    const none = await client.send(new PutItemCommand({ TableName: 'capacity', Item: item, ReturnConsumedCapacity: 'NONE' }));
    assert.equal(none.ConsumedCapacity, undefined);
  });

  test('ReturnConsumedCapacity counts index writes and charges index reads to the index', async () => {
    await client.send(new CreateTableCommand({
      TableName: 'capacity_gsi', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'a', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [{ IndexName: 'by_a', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const w = (n: number, index?: number) => ({
      TableName: 'capacity_gsi', CapacityUnits: n + (index ?? 0), WriteCapacityUnits: n + (index ?? 0), Table: { CapacityUnits: n, WriteCapacityUnits: n },
      ...(index ? { GlobalSecondaryIndexes: { by_a: { CapacityUnits: index, WriteCapacityUnits: index } } } : {}),
    });
    const put = (item: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: 'capacity_gsi', Item: item, ReturnConsumedCapacity: 'INDEXES' }));
    assert.deepEqual((await put({ pk: { S: '1' }, a: { S: 'x' } })).ConsumedCapacity, w(1, 1), 'a new index entry: one write');
    assert.deepEqual((await put({ pk: { S: '1' }, a: { S: 'x' }, other: { S: 'o' } })).ConsumedCapacity, w(1), 'KEYS_ONLY entry unchanged: no index write');
    const moved = await client.send(new UpdateItemCommand({
      TableName: 'capacity_gsi', Key: { pk: { S: '1' } }, UpdateExpression: 'SET a = :b', ExpressionAttributeValues: { ':b': { S: 'y' } }, ReturnConsumedCapacity: 'INDEXES',
    }));
    assert.deepEqual(moved.ConsumedCapacity, w(1, 2), 'a moved index key: delete and put');
    const total = await client.send(new DeleteItemCommand({ TableName: 'capacity_gsi', Key: { pk: { S: '1' } }, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(total.ConsumedCapacity, { TableName: 'capacity_gsi', CapacityUnits: 2, WriteCapacityUnits: 2 }, 'TOTAL includes the index');
    await put({ pk: { S: '2' }, a: { S: 'z' } });
    const q = await client.send(new QueryCommand({
      TableName: 'capacity_gsi', IndexName: 'by_a', KeyConditionExpression: 'a = :z', ExpressionAttributeValues: { ':z': { S: 'z' } }, ReturnConsumedCapacity: 'INDEXES',
    }));
    assert.deepEqual(q.ConsumedCapacity, {
      TableName: 'capacity_gsi', CapacityUnits: 0.5, ReadCapacityUnits: 0.5, Table: { CapacityUnits: 0, ReadCapacityUnits: 0 },
      GlobalSecondaryIndexes: { by_a: { CapacityUnits: 0.5, ReadCapacityUnits: 0.5 } },
    });
  });

  test('a Query or Scan page stops at 1 MB', async () => {
    await client.send(new CreateTableCommand({
      TableName: 'megabyte', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    const body = 'z'.repeat(100 * 1024);
    for (let i = 0; i < 14; i++) await client.send(new PutItemCommand({ TableName: 'megabyte', Item: { pk: { S: 'p' }, sk: { N: String(i) }, body: { S: body } } }));
    for (const read of [
      (start?: Record<string, AttributeValue>) => client.send(new ScanCommand({ TableName: 'megabyte', ExclusiveStartKey: start })),
      (start?: Record<string, AttributeValue>) => client.send(new QueryCommand({ TableName: 'megabyte', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, ExclusiveStartKey: start })),
    ]) {
      const first = await read();
      assert.ok(first.Count! >= 9 && first.Count! <= 11, `first page: ${first.Count} items of 100 KB`);
      assert.ok(first.LastEvaluatedKey, 'a truncated page says where to go on');
      const second = await read(first.LastEvaluatedKey);
      assert.equal(first.Count! + second.Count!, 14);
      assert.equal(second.LastEvaluatedKey, undefined);
    }
  });

  test('TableSizeBytes and ItemCount follow the writes', async () => {
    await hashTable('sized');
    const describe = async () => (await client.send(new DescribeTableCommand({ TableName: 'sized' }))).Table!;
    await client.send(new PutItemCommand({ TableName: 'sized', Item: { pk: { S: 'abc' }, s: { S: 'hello' } } })); // 2+3 + 1+5
    await client.send(new PutItemCommand({ TableName: 'sized', Item: { pk: { S: 'de' }, s: { S: 'x' } } })); // 2+2 + 1+1
    let d = await describe();
    assert.equal(d.TableSizeBytes, 17);
    assert.equal(d.ItemCount, 2);
    await client.send(new DeleteItemCommand({ TableName: 'sized', Key: { pk: { S: 'de' } } }));
    await client.send(new PutItemCommand({ TableName: 'sized', Item: { pk: { S: 'abc' }, s: { S: 'hello!' } } }));
    d = await describe();
    assert.equal(d.TableSizeBytes, 12);
    assert.equal(d.ItemCount, 1);
  });

  test('UpdateTable deletes a GSI and changes the billing mode (each GSI needs throughput for PROVISIONED)', async () => {
    await client.send(new CreateTableCommand({
      TableName: 'billing', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'a', AttributeType: 'S' }, { AttributeName: 'b', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [
        { IndexName: 'by_a', KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'by_b', KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await client.send(new PutItemCommand({ TableName: 'billing', Item: { pk: { S: '1' }, a: { S: 'x' }, b: { S: 'y' } } }));
    const pt = { ReadCapacityUnits: 5, WriteCapacityUnits: 6 };
    await expectError(client.send(new UpdateTableCommand({ TableName: 'billing', BillingMode: 'PROVISIONED', ProvisionedThroughput: pt })), 'ValidationException',
      'One or more parameter values were invalid: ProvisionedThroughput must be specified for index: by_a,by_b');
    await expectError(client.send(new UpdateTableCommand({
      TableName: 'billing', BillingMode: 'PROVISIONED', ProvisionedThroughput: pt,
      GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by_a', ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } } }],
    })), 'ValidationException', 'One or more parameter values were invalid: ProvisionedThroughput must be specified for index: by_b');
    await expectError(client.send(new UpdateTableCommand({
      TableName: 'billing', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by_a' } }, { Delete: { IndexName: 'by_b' } }],
    })), 'LimitExceededException', 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table');
    let d = (await client.send(new DescribeTableCommand({ TableName: 'billing' }))).Table!;
    assert.equal(d.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST', 'the refused requests changed nothing');
    assert.deepEqual(d.GlobalSecondaryIndexes!.map((g) => g.IndexName), ['by_a', 'by_b']);

    await client.send(new UpdateTableCommand({ TableName: 'billing', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by_b' } }] }));
    d = (await client.send(new DescribeTableCommand({ TableName: 'billing' }))).Table!;
    assert.deepEqual(d.GlobalSecondaryIndexes!.map((g) => g.IndexName), ['by_a']);
    assert.deepEqual(d.AttributeDefinitions!.map((a) => a.AttributeName).sort(), ['a', 'pk'], 'b is no longer a key attribute');
    await expectError(client.send(new QueryCommand({ TableName: 'billing', IndexName: 'by_b', KeyConditionExpression: 'b = :b', ExpressionAttributeValues: { ':b': { S: 'y' } } })),
      'ValidationException', 'The table does not have the specified index: by_b');
    await expectError(client.send(new UpdateTableCommand({ TableName: 'billing', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by_b' } }] })),
      'ResourceNotFoundException', 'Requested resource not found: Index: by_b not found');

    await client.send(new UpdateTableCommand({
      TableName: 'billing', BillingMode: 'PROVISIONED', ProvisionedThroughput: pt,
      GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'by_a', ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } } }],
    }));
    d = (await client.send(new DescribeTableCommand({ TableName: 'billing' }))).Table!;
    assert.equal(d.BillingModeSummary?.BillingMode, 'PROVISIONED');
    assert.equal(d.ProvisionedThroughput?.ReadCapacityUnits, 5);
    assert.equal(d.ProvisionedThroughput?.WriteCapacityUnits, 6);
    assert.equal(d.GlobalSecondaryIndexes![0]!.ProvisionedThroughput?.ReadCapacityUnits, 3);
    assert.equal(d.GlobalSecondaryIndexes![0]!.ProvisionedThroughput?.WriteCapacityUnits, 4);

    await client.send(new UpdateTableCommand({ TableName: 'billing', BillingMode: 'PAY_PER_REQUEST' }));
    d = (await client.send(new DescribeTableCommand({ TableName: 'billing' }))).Table!;
    assert.equal(d.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(d.GlobalSecondaryIndexes![0]!.ProvisionedThroughput?.ReadCapacityUnits, 0);
    const q = await client.send(new QueryCommand({ TableName: 'billing', IndexName: 'by_a', KeyConditionExpression: 'a = :a', ExpressionAttributeValues: { ':a': { S: 'x' } } }));
    assert.equal(q.Count, 1, 'the remaining index still answers');
  });

  test('IdempotentParameterMismatchException says why; the ListTables last page has no LastEvaluatedTableName', async () => {
    await hashTable('idem_msg');
    const input = { ClientRequestToken: 'token-msg', TransactItems: [{ Put: { TableName: 'idem_msg', Item: { pk: { S: 'a' } } } }] };
    await client.send(new TransactWriteItemsCommand(input));
    await expectError(client.send(new TransactWriteItemsCommand({ ...input, TransactItems: [{ Put: { TableName: 'idem_msg', Item: { pk: { S: 'b' } } } }] })),
      'IdempotentParameterMismatchException', 'Request has a different set of parameters than the original request with the same client request token.');
    assert.equal((await client.send(new GetItemCommand({ TableName: 'idem_msg', Key: { pk: { S: 'b' } } }))).Item, undefined);
    const names: string[] = [];
    let start: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.send(new ListTablesCommand({ Limit: 3, ExclusiveStartTableName: start }));
      names.push(...page.TableNames!);
      pages++;
      if (!page.LastEvaluatedTableName) {
        assert.ok(page.TableNames!.length <= 3);
        break;
      }
      start = page.LastEvaluatedTableName;
    }
    assert.ok(pages >= 3);
    assert.deepEqual(names, [...names].sort());
    const all = await client.send(new ListTablesCommand({}));
    assert.deepEqual(all.TableNames, names);
    assert.equal(all.LastEvaluatedTableName, undefined);
  });
});

describe('query filters', () => {
  test('a Query FilterExpression may not name a key attribute of the table or index queried', async () => {
    const query = (FilterExpression: string, IndexName?: string) => client.send(new QueryCommand({
      TableName: 'events', IndexName, KeyConditionExpression: IndexName ? 'kind = :k' : '#u = :u', FilterExpression,
      ExpressionAttributeNames: IndexName ? undefined : { '#u': 'user' },
      ExpressionAttributeValues: IndexName ? { ':k': { S: 'view' }, ':v': { N: '0' } } : { ':u': { S: 'u0' }, ':v': { N: '0' } },
    }));
    await expectError(query('ts > :v'), 'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: ts');
    await expectError(query('size(ts) > :v'), 'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: ts');
    await expectError(query('ts > :v', 'by_kind'), 'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: ts');
    // On the index, the table's hash key is an ordinary attribute.
    const ok = await client.send(new QueryCommand({
      TableName: 'events', IndexName: 'by_kind', KeyConditionExpression: 'kind = :k', FilterExpression: '#u = :u',
      ExpressionAttributeNames: { '#u': 'user' }, ExpressionAttributeValues: { ':k': { S: 'view' }, ':u': { S: 'u0' } },
    }));
    assert.ok(ok.Count! > 0 && ok.Items!.every((i) => i.user!.S === 'u0'));
    // Scan has no such rule.
    assert.ok((await client.send(new ScanCommand({ TableName: 'events', FilterExpression: 'ts > :v', ExpressionAttributeValues: { ':v': { N: '0' } } }))).Count! > 0);
  });
});

describe('secondary index keys in written items', () => {
  test('a wrong type or an empty value for an index key is refused, by every write path', async () => {
    await client.send(new CreateTableCommand({
      TableName: 'idx_keys', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' }, { AttributeName: 'l', AttributeType: 'B' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'by_g', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      LocalSecondaryIndexes: [{ IndexName: 'by_l', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'l', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const key = { pk: { S: 'a' }, sk: { S: 'b' } };
    const wrongType = 'One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by_g';
    const emptyS = 'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by_g, IndexKey: g';
    const emptyB = 'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: by_l, IndexKey: l';
    await expectError(client.send(new PutItemCommand({ TableName: 'idx_keys', Item: { ...key, g: { N: '1' } } })), 'ValidationException', wrongType);
    await expectError(client.send(new PutItemCommand({ TableName: 'idx_keys', Item: { ...key, g: { S: '' } } })), 'ValidationException', emptyS);
    await expectError(client.send(new PutItemCommand({ TableName: 'idx_keys', Item: { ...key, l: { B: new Uint8Array(0) } } })), 'ValidationException', emptyB);
    await expectError(client.send(new UpdateItemCommand({ TableName: 'idx_keys', Key: key, UpdateExpression: 'SET g = :n', ExpressionAttributeValues: { ':n': { N: '1' } } })),
      'ValidationException', wrongType);
    await expectError(client.send(new BatchWriteItemCommand({ RequestItems: { idx_keys: [{ PutRequest: { Item: { ...key, g: { S: '' } } } }] } })), 'ValidationException', emptyS);
    assert.equal((await client.send(new ScanCommand({ TableName: 'idx_keys' }))).Count, 0, 'nothing was written');
    // Without the attributes the item is written and simply not indexed; a non-key attribute may be empty.
    await client.send(new PutItemCommand({ TableName: 'idx_keys', Item: { ...key, note: { S: '' } } }));
    assert.equal((await client.send(new ScanCommand({ TableName: 'idx_keys', IndexName: 'by_g' }))).Count, 0);
  });
});
