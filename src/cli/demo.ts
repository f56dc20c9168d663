import { CreateTableCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startStrata } from '../app.js';
import { resolveConfig } from '../config.js';

/** The README's first command: an in-memory Strata, a table loaded through the real AWS SDK, read back. */
export async function runDemo(): Promise<void> {
  const strata = await startStrata({ ...resolveConfig({ port: '0' }), inMemory: true });
  console.log(`Strata started at ${strata.url} (in memory)`);
  const client = new DynamoDBClient({ endpoint: strata.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const doc = DynamoDBDocumentClient.from(client);
  try {
    await client.send(new CreateTableCommand({
      TableName: 'Music',
      KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'SongTitle', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' }, { AttributeName: 'SongTitle', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    console.log('created table Music');
    const artists = ['No One You Know', 'Acme Band', 'The Strata Trio'];
    let written = 0;
    for (let batch = 0; batch < 4; batch++) {
      const items = Array.from({ length: 25 }, (_, i) => {
        const n = batch * 25 + i;
        return { Artist: artists[n % 3]!, SongTitle: `Song ${String(n).padStart(3, '0')}`, Year: 1990 + (n % 30), Plays: n * 7 };
      });
      await doc.send(new BatchWriteCommand({ RequestItems: { Music: items.map((Item) => ({ PutRequest: { Item } })) } }));
      written += items.length;
    }
    console.log(`wrote ${written} items with BatchWriteItem (every write is a version)`);
    const q = await client.send(new QueryCommand({
      TableName: 'Music',
      KeyConditionExpression: 'Artist = :a AND begins_with(SongTitle, :p)',
      ExpressionAttributeValues: { ':a': { S: 'Acme Band' }, ':p': { S: 'Song 00' } },
    }));
    console.log(`Query Artist = "Acme Band", SongTitle begins_with "Song 00": ${q.Count} items`);
    for (const item of q.Items ?? []) console.log(`  ${item.SongTitle?.S}  (${item.Year?.N})`);
    const s = await client.send(new ScanCommand({ TableName: 'Music', Select: 'COUNT' }));
    console.log(`Scan COUNT: ${s.Count} items`);
  } finally {
    client.destroy();
    await strata.close();
  }
  console.log('demo finished');
}
