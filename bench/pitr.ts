/**
 * `npm run bench:pitr`: what point-in-time recovery costs (issue 3, item 7), on `strata serve` on disk:
 *
 * - storage: database bytes per version written, for the first version of a key and for a later one kept
 *   in the recovery window, against the item's own DynamoDB size (the baseline: ratio = bytes / item bytes);
 * - restore: seconds for RestoreTableToPointInTime of the whole table until it is ACTIVE, against the time
 *   the same server took to load the same items through BatchWriteItem in the same run (ratio = restore / load).
 *
 * Two tables: items of ~1 KB (the `npm run bench` items) and small items of ~30 bytes (4 attributes). See bench/README.md.
 */
import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, RestoreTableToPointInTimeCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { adminRequest } from '../src/pitr/admin-client.js';
import { itemSize } from '../src/dynamodb/values.js';
import { processRss } from './lib/proc.js';
import { startStrata, type BenchServer } from './lib/servers.js';
import { benchClient, keyOf, makeItem, pool, type Item } from './lib/workload.js';

const ITEMS = Number(process.env.BENCH_PITR_ITEMS ?? 100_000);
const CONCURRENCY = 16;
const ADMIN = { accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1' };

interface Shape {
  name: string;
  item: (i: number, version: number) => Item;
}

const SHAPES: Shape[] = [
  {
    name: 'items ~1 KB',
    item: (i, version) => ({ ...makeItem(i), n: { N: String(i + version * 1_000_000) } }),
  },
  {
    name: 'small items',
    item: (i, version) => ({ pk: { S: keyOf(i) }, v: { N: String(version) }, city: { S: ['Lisbon', 'Oslo', 'Quito'][i % 3]! }, ok: { BOOL: i % 2 === 0 } }),
  },
];

async function admin(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await adminRequest(url, method, path, body, ADMIN);
  if (r.status !== 200) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function databaseBytes(url: string, table: string): Promise<number> {
  return Number((await admin(url, 'GET', `/_strata/pitr/storage?TableName=${encodeURIComponent(table)}`)).DatabaseBytes);
}

/** BatchWriteItem of every item at `version`, 25 per call; seconds. */
async function writeAll(client: DynamoDBClient, table: string, shape: Shape, version: number): Promise<number> {
  const t0 = performance.now();
  await pool(Math.ceil(ITEMS / 25), CONCURRENCY, async (b) => {
    const reqs = [];
    for (let i = b * 25; i < Math.min(ITEMS, (b + 1) * 25); i++) reqs.push({ PutRequest: { Item: shape.item(i, version) } });
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: reqs } }));
    if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error('unprocessed items');
  });
  return (performance.now() - t0) / 1000;
}

async function waitActive(client: DynamoDBClient, table: string): Promise<number> {
  for (;;) {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') return d.Table.ItemCount ?? -1;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Row {
  shape: string;
  itemBytes: number;
  firstVersionBytes: number;
  laterVersionBytes: number;
  loadSeconds: number;
  restoreSeconds: number;
  restoredItems: number;
}

async function measure(server: BenchServer, client: DynamoDBClient, shape: Shape, index: number): Promise<Row> {
  const table = `pitr_${index}`;
  await client.send(new CreateTableCommand({
    TableName: table, BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  }));
  await client.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const d0 = await databaseBytes(server.url, table);
  const loadSeconds = await writeAll(client, table, shape, 1);
  const d1 = await databaseBytes(server.url, table);
  await writeAll(client, table, shape, 2);
  const d2 = await databaseBytes(server.url, table);
  let itemBytes = 0;
  for (let i = 0; i < ITEMS; i += 97) itemBytes += itemSize(shape.item(i, 2) as never);
  itemBytes /= Math.ceil(ITEMS / 97);
  // Past the default 5-minute lag, so the latest restorable time holds every write above.
  await admin(server.url, 'POST', '/_strata/clock/advance', { seconds: 400 });
  const t0 = performance.now();
  await client.send(new RestoreTableToPointInTimeCommand({ SourceTableName: table, TargetTableName: `${table}_restored`, UseLatestRestorableTime: true }));
  const restoredItems = await waitActive(client, `${table}_restored`);
  const restoreSeconds = (performance.now() - t0) / 1000;
  return { shape: shape.name, itemBytes, firstVersionBytes: (d1 - d0) / ITEMS, laterVersionBytes: (d2 - d1) / ITEMS, loadSeconds, restoreSeconds, restoredItems };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const server = await startStrata({ keep: false });
  const client = benchClient(server.url, CONCURRENCY);
  console.log(`strata: pid ${server.pid}, ${server.url}; ${fmt(ITEMS)} items per table; ${server.durability}`);
  const rows: Row[] = [];
  try {
    for (const [i, shape] of SHAPES.entries()) {
      rows.push(await measure(server, client, shape, i));
      console.log(`  ${shape.name}: done`);
    }
  } finally {
    console.log(`server RSS at the end: ${fmt((processRss(server.pid) ?? 0) / 2 ** 20)} MB`);
    client.destroy();
    await server.stop();
  }
  console.log('\nStorage per version (database bytes after / before, divided by the versions written; baseline: the item\'s DynamoDB size)');
  console.log('shape          item B  1st version B  ratio  later version B  ratio');
  for (const r of rows) {
    console.log(`${r.shape.padEnd(13)} ${fmt(r.itemBytes).padStart(7)} ${fmt(r.firstVersionBytes).padStart(14)} ${fmt(r.firstVersionBytes / r.itemBytes, 2).padStart(6)} ${fmt(r.laterVersionBytes).padStart(16)} ${fmt(r.laterVersionBytes / r.itemBytes, 2).padStart(6)}`);
  }
  console.log(`\nRestore of ${fmt(ITEMS)} items (RestoreTableToPointInTime until ACTIVE; baseline: loading them through BatchWriteItem, same server, same run)`);
  console.log('shape          restore s  items restored  load s  ratio restore/load');
  for (const r of rows) {
    if (r.restoredItems !== ITEMS) throw new Error(`${r.shape}: restored ${r.restoredItems} items, expected ${ITEMS}`);
    console.log(`${r.shape.padEnd(13)} ${fmt(r.restoreSeconds, 2).padStart(10)} ${fmt(r.restoredItems).padStart(15)} ${fmt(r.loadSeconds, 2).padStart(7)} ${fmt(r.restoreSeconds / r.loadSeconds, 2).padStart(19)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
