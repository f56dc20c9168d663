import { BatchWriteItemCommand, CreateTableCommand, GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dynamo } from '../helpers/clients.js';
import { removeDir, startStrataProcess, tempDir } from '../helpers/strata-process.js';

async function countAll(client: DynamoDBClient, table: string): Promise<number> {
  let n = 0;
  let start;
  do {
    const page: import('@aws-sdk/client-dynamodb').ScanCommandOutput = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    n += page.Count!;
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

test('every acknowledged write survives kill -9 of the server', async () => {
  const dataDir = tempDir();
  let strata = await startStrataProcess([], { dataDir });
  let client = dynamo(strata.url);
  await client.send(new CreateTableCommand({
    TableName: 'durable', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  // Writers keep going while the server is killed; only acknowledged writes are recorded.
  const acked = new Set<string>();
  let stop = false;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const id = `w${w}-${i}`;
      try {
        if (i % 2) {
          await client.send(new PutItemCommand({ TableName: 'durable', Item: { id: { S: id }, v: { N: String(i) } } }));
          acked.add(id);
        } else {
          const ids = Array.from({ length: 5 }, (_, k) => `${id}-b${k}`);
          await client.send(new BatchWriteItemCommand({ RequestItems: { durable: ids.map((x) => ({ PutRequest: { Item: { id: { S: x } } } })) } }));
          for (const x of ids) acked.add(x);
        }
      } catch {
        return;
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  await new Promise((r) => setTimeout(r, 1500));
  await strata.stop('SIGKILL');
  stop = true;
  await Promise.all(writers);
  client.destroy();
  assert.ok(acked.size > 50, `only ${acked.size} writes were acknowledged before the kill`);

  strata = await startStrataProcess([], { dataDir });
  client = dynamo(strata.url);
  try {
    for (const id of acked) {
      const got = await client.send(new GetItemCommand({ TableName: 'durable', Key: { id: { S: id } } }));
      assert.ok(got.Item, `acknowledged write ${id} was lost`);
    }
    assert.ok((await countAll(client, 'durable')) >= acked.size);
    // The clock never goes backwards across the restart: new writes still land and read back.
    await client.send(new PutItemCommand({ TableName: 'durable', Item: { id: { S: 'after-restart' } } }));
    assert.ok((await client.send(new GetItemCommand({ TableName: 'durable', Key: { id: { S: 'after-restart' } } }))).Item);
  } finally {
    client.destroy();
    await strata.stop();
    removeDir(dataDir);
  }
});

test('SIGTERM shuts down cleanly', async () => {
  const strata = await startStrataProcess(['--in-memory']);
  const code = await strata.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(strata.output(), /SIGTERM, shutting down/);
});

test('SIGINT (Ctrl-C) shuts down cleanly, and what was written is there after a restart', async () => {
  const dataDir = tempDir();
  let strata = await startStrataProcess([], { dataDir });
  let client = dynamo(strata.url);
  try {
    await client.send(new CreateTableCommand({
      TableName: 'interrupted', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await client.send(new PutItemCommand({ TableName: 'interrupted', Item: { id: { S: 'kept' } } }));
    client.destroy();
    const code = await strata.stop('SIGINT');
    assert.equal(code, 0);
    assert.match(strata.output(), /SIGINT, shutting down/);
    strata = await startStrataProcess([], { dataDir });
    client = dynamo(strata.url);
    assert.deepEqual((await client.send(new GetItemCommand({ TableName: 'interrupted', Key: { id: { S: 'kept' } } }))).Item, { id: { S: 'kept' } });
  } finally {
    client.destroy();
    await strata.stop();
    removeDir(dataDir);
  }
});
