import {
  BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, ScanCommand,
  type AttributeValue, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { Agent } from 'node:http';

export type Item = Record<string, AttributeValue>;

/** The same client for both servers: SDK v3, keep-alive agent, no retries (a failure fails the run). */
export function benchClient(url: string, concurrency: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    // `test` is one of Strata's known keys, so Strata verifies every signature (the honest setting).
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
  });
}

/** Small deterministic PRNG (mulberry32), so both servers get byte-identical items. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function keyOf(i: number): string {
  return `item-${String(i).padStart(8, '0')}`;
}

/**
 * Item i: about 1 KB (DynamoDB item size ~1,000 bytes): the key, two numbers, a ~900-byte string of
 * random characters (so LevelDB's compression cannot shrink it much) and a small map.
 */
export function makeItem(i: number): Item {
  const rnd = prng(i + 1);
  let data = '';
  for (let k = 0; k < 900; k++) data += ALPHABET[Math.floor(rnd() * 64)];
  return {
    pk: { S: keyOf(i) },
    n: { N: String(i) },
    price: { N: (rnd() * 10000).toFixed(2) },
    data: { S: data },
    meta: {
      M: {
        owner: { S: `user-${i % 997}` },
        version: { N: String(1 + (i % 7)) },
        active: { BOOL: i % 2 === 0 },
        tags: { SS: ['bench', `g${i % 10}`] },
      },
    },
  };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; returns per-task latencies in ms. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number[]> {
  const latencies = new Array<number>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await task(i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return latencies;
}

export async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: name }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${name} never became ACTIVE`);
}

export interface PhaseWork {
  /** Items written, items read by GetItem, or items returned by Scan. */
  items: number;
  requests: number;
  latenciesMs: number[];
}

/** BatchWriteItem of items [from, to), 25 puts per call; UnprocessedItems (never expected) are sent again. */
export async function load(client: DynamoDBClient, table: string, from: number, to: number, concurrency: number): Promise<PhaseWork> {
  const batches = Math.ceil((to - from) / 25);
  let requests = 0;
  const latenciesMs = await pool(batches, concurrency, async (b) => {
    let reqs: WriteRequest[] = [];
    for (let i = from + b * 25; i < Math.min(to, from + (b + 1) * 25); i++) reqs.push({ PutRequest: { Item: makeItem(i) } });
    for (let attempt = 0; reqs.length > 0; attempt++) {
      if (attempt > 10) throw new Error(`${table}: batch at ${from + b * 25} still unprocessed after 10 retries`);
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: reqs } }));
      requests++;
      reqs = out.UnprocessedItems?.[table] ?? [];
    }
  });
  return { items: to - from, requests, latenciesMs };
}

/** The keys GetItem reads: every key, or a random sample, in a random (seeded, so identical) order. */
export function getOrder(count: number, gets: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const rnd = prng(0xbe7c4);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, Math.min(gets, count));
}

/** GetItem of each key in `order`; checks every item comes back with the right contents. */
export async function get(client: DynamoDBClient, table: string, order: number[], concurrency: number): Promise<PhaseWork> {
  const latenciesMs = await pool(order.length, concurrency, async (k) => {
    const i = order[k]!;
    const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: keyOf(i) } } }));
    if (out.Item?.n?.N !== String(i) || out.Item.data?.S?.length !== 900) throw new Error(`${table}: GetItem ${keyOf(i)} returned ${JSON.stringify(out.Item)?.slice(0, 200)}`);
  });
  return { items: order.length, requests: order.length, latenciesMs };
}

/** Where a paginated Scan has got to. */
export interface ScanCursor {
  start?: Item;
  items: number;
  done: boolean;
}

/** Up to `maxPages` pages of a paginated Scan (the server's default 1 MB pages), one page at a time. */
export async function scanPages(client: DynamoDBClient, table: string, cursor: ScanCursor, maxPages: number): Promise<PhaseWork> {
  let items = 0;
  let requests = 0;
  const latenciesMs: number[] = [];
  while (!cursor.done && requests < maxPages) {
    const t0 = performance.now();
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: cursor.start }));
    latenciesMs.push(performance.now() - t0);
    requests++;
    items += out.Items?.length ?? 0;
    cursor.start = out.LastEvaluatedKey;
    cursor.done = !cursor.start;
  }
  cursor.items += items;
  return { items, requests, latenciesMs };
}

/** A full paginated Scan; checks the item count. */
export async function scan(client: DynamoDBClient, table: string, expected: number): Promise<PhaseWork> {
  const cursor: ScanCursor = { items: 0, done: false };
  const w = await scanPages(client, table, cursor, Infinity);
  if (w.items !== expected) throw new Error(`${table}: Scan returned ${w.items} items, expected ${expected}`);
  return w;
}
