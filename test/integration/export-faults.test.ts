import { BatchWriteItemCommand, CreateTableCommand, ExportTableToPointInTimeCommand, ListExportsCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { awsEnv, dynamo } from '../helpers/clients.js';
import { listKeys, readExport, s3, waitForExport } from '../helpers/exports.js';
import { BIN, removeDir, startStrataProcess, tempDir } from '../helpers/strata-process.js';

const run = promisify(execFile);
const arn = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;

async function loadTable(client: DynamoDBClient, name: string, items: number, pad: number): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: name, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const body = 'x'.repeat(pad);
  const batches = [];
  for (let i = 0; i < items; i += 25) {
    batches.push(Array.from({ length: Math.min(25, items - i) }, (_, k) => ({ PutRequest: { Item: { id: { S: `item-${i + k}` }, body: { S: body }, n: { N: String(i + k) } } } })));
  }
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(batches.slice(i, i + 8).map((b) => client.send(new BatchWriteItemCommand({ RequestItems: { [name]: b } }))));
  }
}

/**
 * An HTTP proxy to `port` on loopback: `intercept` may answer (or drop) a request itself and return true;
 * otherwise the request is forwarded and `onUpstream` sees the upstream's answer before it is relayed.
 */
async function s3Proxy(
  port: number,
  intercept: (req: IncomingMessage, res: ServerResponse) => boolean,
  onUpstream: (req: IncomingMessage, upstream: IncomingMessage) => void = () => {},
): Promise<{ proxy: Server; proxyUrl: string }> {
  const proxy = createServer((req, res) => {
    if (intercept(req, res)) return;
    const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      onUpstream(req, r);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return { proxy, proxyUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}` };
}

async function progress(url: string, exportArn: string): Promise<{ ExportStatus: string; SegmentsDone: number; SegmentsTotal: number }> {
  const { adminRequest } = await import('../../src/pitr/admin-client.js');
  const res = await adminRequest(url, 'GET', `/_strata/exports/progress?ExportArn=${encodeURIComponent(exportArn)}`);
  return res.body as { ExportStatus: string; SegmentsDone: number; SegmentsTotal: number };
}

test('kill -9 mid-export: the export resumes on restart and completes with every item', async () => {
  const dataDir = tempDir();
  let strata = await startStrataProcess(['--export-segment-mb', '1'], { dataDir });
  let client = dynamo(strata.url);
  try {
    await s3(strata.url).send(new CreateBucketCommand({ Bucket: 'crash' }));
    await loadTable(client, 'crashy', 12000, 1000);
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('crashy'), S3Bucket: 'crash', S3Prefix: 'p' }));
    const exportArn = r.ExportDescription!.ExportArn!;
    let p = await progress(strata.url, exportArn);
    for (let i = 0; i < 2000 && p.SegmentsDone < 2 && p.ExportStatus === 'IN_PROGRESS'; i++) {
      await new Promise((res) => setTimeout(res, 5));
      p = await progress(strata.url, exportArn);
    }
    assert.equal(p.ExportStatus, 'IN_PROGRESS', 'the kill must land mid-export for this test to mean anything');
    assert.ok(p.SegmentsTotal >= 10);
    await strata.stop('SIGKILL');
    client.destroy();
    strata = await startStrataProcess([], { dataDir });
    client = dynamo(strata.url);
    const d = await waitForExport(client, exportArn, 120_000);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ItemCount, 12000);
    const out = await readExport(s3(strata.url), 'crash', d.ExportManifest!);
    assert.equal(out.lines.length, 12000);
    assert.equal(new Set(out.lines.map((l) => (JSON.parse(l) as { Item: { id: { S: string } } }).Item.id.S)).size, 12000, 'no item twice, none missing');
    assert.equal(out.files.length, p.SegmentsTotal);
    // strata verify, as a user would run it.
    const v = await run(process.execPath, [BIN, 'verify', `s3://crash/p/AWSDynamoDB/${exportArn.split('/').pop()}/`, '--endpoint-url', strata.url], { env: awsEnv() });
    assert.match(v.stdout, /^OK/);
    assert.match(v.stdout, /12000 items/);
  } finally {
    client.destroy();
    await strata.stop();
    removeDir(dataDir);
  }
});

test('transient S3 errors are retried with backoff and the export completes', async () => {
  const target = await startStrataProcess(['--in-memory']);
  let seen = 0;
  let failed = 0;
  // A proxy in front of the S3 store that answers every third request with 503 SlowDown.
  const { proxy, proxyUrl } = await s3Proxy(target.port, (req, res) => {
    seen++;
    if (seen % 3 !== 0) return false;
    failed++;
    req.resume();
    res.writeHead(503, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    return true;
  });
  const strata = await startStrataProcess(['--in-memory', '--s3-endpoint', proxyUrl, '--s3-access-key-id', 'test', '--s3-secret-access-key', 'test']);
  const client = dynamo(strata.url);
  try {
    await s3(target.url).send(new CreateBucketCommand({ Bucket: 'flaky' }));
    await loadTable(client, 'flaky_table', 500, 100);
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('flaky_table'), S3Bucket: 'flaky' }));
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.ok(failed >= 2, `the proxy failed ${failed} requests`);
    const out = await readExport(s3(target.url), 'flaky', d.ExportManifest!);
    assert.equal(out.lines.length, 500);
  } finally {
    client.destroy();
    await strata.stop();
    await target.stop();
    proxy.close();
  }
});

test('too many exports in progress: LimitExceededException, and nothing is started', async () => {
  // An S3 endpoint that accepts connections and never answers keeps the first export IN_PROGRESS.
  const sockets: Socket[] = [];
  const hang: TcpServer = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangUrl = `http://127.0.0.1:${(hang.address() as { port: number }).port}`;
  const strata = await startStrataProcess(['--in-memory', '--s3-endpoint', hangUrl, '--s3-access-key-id', 'a', '--s3-secret-access-key', 'b', '--max-concurrent-exports', '1']);
  const client = dynamo(strata.url);
  try {
    await loadTable(client, 'limited', 10, 10);
    const first = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('limited'), S3Bucket: 'any-bucket' }));
    assert.equal(first.ExportDescription!.ExportStatus, 'IN_PROGRESS');
    await assert.rejects(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('limited'), S3Bucket: 'any-bucket' })), (e: Error) => {
      assert.equal(e.name, 'LimitExceededException');
      return true;
    });
  } finally {
    client.destroy();
    await strata.stop();
    for (const s of sockets) s.destroy();
    hang.close();
  }
});

test('the in-progress limit holds however many finished exports list ahead of the running ones', async () => {
  // A proxy in front of a second Strata's S3 store: requests for bucket "stuck" never get an answer
  // (those exports stay IN_PROGRESS), the rest pass through.
  const target = await startStrataProcess(['--in-memory']);
  const held: Array<{ destroy(): void }> = [];
  const { proxy, proxyUrl } = await s3Proxy(target.port, (req) => {
    if (!req.url?.startsWith('/stuck')) return false;
    held.push(req.socket);
    return true;
  });
  const strata = await startStrataProcess(['--in-memory', '--s3-endpoint', proxyUrl, '--s3-access-key-id', 'test', '--s3-secret-access-key', 'test', '--max-concurrent-exports', '2']);
  const client = dynamo(strata.url);
  const bucket = s3(target.url);
  try {
    await bucket.send(new CreateBucketCommand({ Bucket: 'fine' }));
    await loadTable(client, 'aaa', 5, 10);
    await loadTable(client, 'zzz', 5, 10);
    // Three COMPLETED exports of "zzz": their ARNs sort before (are listed ahead of) any export of "aaa".
    for (let i = 0; i < 3; i++) {
      const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('zzz'), S3Bucket: 'fine', S3Prefix: 'done' }));
      assert.equal((await waitForExport(client, r.ExportDescription!.ExportArn!)).ExportStatus, 'COMPLETED');
    }
    for (let i = 0; i < 2; i++) {
      const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('aaa'), S3Bucket: 'stuck' }));
      assert.equal(r.ExportDescription!.ExportStatus, 'IN_PROGRESS');
    }
    const listedBefore = (await client.send(new ListExportsCommand({}))).ExportSummaries!;
    assert.equal(listedBefore.length, 5);
    assert.equal(listedBefore.filter((e) => e.ExportStatus === 'IN_PROGRESS').length, 2);
    const objectsBefore = await listKeys(bucket, 'fine', '');
    await assert.rejects(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('zzz'), S3Bucket: 'fine', S3Prefix: 'refused' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'LimitExceededException', e.message);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return true;
    });
    // Refused means nothing started: no new export record, nothing written to the bucket.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await client.send(new ListExportsCommand({}))).ExportSummaries, listedBefore);
    assert.deepEqual(await listKeys(bucket, 'fine', ''), objectsBefore);
    assert.deepEqual(await listKeys(bucket, 'fine', 'refused'), []);
  } finally {
    client.destroy();
    bucket.destroy();
    await strata.stop();
    for (const s of held) s.destroy();
    proxy.close();
    await target.stop();
  }
});

test('an S3 outage mid-export: retried, then FAILED with a FailureCode; nothing written is deleted', async () => {
  const target = await startStrataProcess(['--in-memory']);
  // The proxy passes the first requests through to a second Strata's S3 store, then the outage: every
  // later request has its connection reset.
  const PASS = 20;
  let forwarded = 0;
  let refused = 0;
  const written: string[] = [];
  const requests: Array<{ method: string; url: string }> = [];
  const { proxy, proxyUrl } = await s3Proxy(
    target.port,
    (req) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '' });
      if (forwarded < PASS) {
        forwarded++;
        return false;
      }
      refused++;
      req.socket.destroy();
      return true;
    },
    (req, r) => {
      // An object exists once a PutObject or a CompleteMultipartUpload has answered 200.
      const u = new URL(req.url ?? '/', 'http://x');
      const creates = (req.method === 'PUT' && !u.searchParams.has('uploadId')) || (req.method === 'POST' && u.searchParams.has('uploadId'));
      if (creates && r.statusCode === 200) written.push(decodeURIComponent(u.pathname.split('/').slice(2).join('/')));
    },
  );
  const strata = await startStrataProcess(['--in-memory', '--s3-endpoint', proxyUrl, '--s3-access-key-id', 'test', '--s3-secret-access-key', 'test', '--export-segment-mb', '0.1']);
  const client = dynamo(strata.url);
  const bucket = s3(target.url);
  try {
    await bucket.send(new CreateBucketCommand({ Bucket: 'outage' }));
    await loadTable(client, 'outage_table', 2000, 1000);
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('outage_table'), S3Bucket: 'outage', S3Prefix: 'o' }));
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!, 120_000);
    assert.equal(d.ExportStatus, 'FAILED');
    assert.equal(d.FailureCode, 'UNKNOWN');
    assert.ok(d.FailureMessage, 'a FailureMessage says what went wrong');
    assert.equal(d.ExportManifest, undefined);
    assert.ok(refused >= 5, `requests during the outage were retried (${refused} refused)`);
    // What was written before the outage is all still there, and nothing ever asked for a delete.
    assert.ok(written.some((k) => k.endsWith('/_started')) && written.some((k) => k.includes('/data/')), written.join(', '));
    const keys = new Set((await listKeys(bucket, 'outage', '')).map((k) => k.key));
    for (const k of written) assert.ok(keys.has(k), `${k} is still in the bucket`);
    assert.deepEqual(requests.filter((q) => q.method === 'DELETE' && !q.url.includes('uploadId')), [], 'no DeleteObject');
    assert.ok(![...keys].some((k) => k.endsWith('manifest-summary.json')), 'a FAILED export has no manifest');
  } finally {
    client.destroy();
    bucket.destroy();
    await strata.stop();
    proxy.close();
    await target.stop();
  }
});
