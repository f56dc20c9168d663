import { DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { adminRequest, type AdminResponse } from '../../src/pitr/admin-client.js';
import { TEST_CREDENTIALS } from './strata-process.js';

const CREDS = { ...TEST_CREDENTIALS, region: 'us-east-1' };

/** A signed call to Strata's admin API; throws unless it answers 200. */
export async function admin(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await adminRaw(url, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export function adminRaw(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminResponse> {
  return adminRequest(url, method, path, body, CREDS);
}

/** Strata's clock now, in milliseconds (a fenced instant: later writes are strictly after it). */
export async function nowMs(url: string): Promise<number> {
  const r = await admin(url, 'GET', '/_strata/clock');
  return Number(r.nowMicros) / 1000;
}

export async function advance(url: string, seconds: number): Promise<number> {
  const r = await admin(url, 'POST', '/_strata/clock/advance', { seconds });
  return Number(r.nowMicros) / 1000;
}

export async function storage(url: string, table: string): Promise<{ VersionCount: number; VersionBytes: number; ItemCount: number; DatabaseBytes: number }> {
  return (await admin(url, 'GET', `/_strata/pitr/storage?TableName=${encodeURIComponent(table)}`)) as never;
}

export async function waitActive(client: DynamoDBClient, table: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`${table} is still ${d.Table?.TableStatus}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every item of a table, keyed by the JSON of its key attributes. */
export async function scanAll(client: DynamoDBClient, table: string, keyNames: string[]): Promise<Map<string, Record<string, AttributeValue>>> {
  const out = new Map<string, Record<string, AttributeValue>>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) out.set(JSON.stringify(keyNames.map((k) => item[k])), item);
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
