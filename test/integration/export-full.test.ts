import {
  BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeExportCommand, DynamoDBClient, ExportTableToPointInTimeCommand, GetItemCommand, ListExportsCommand,
  PutItemCommand, UpdateContinuousBackupsCommand, UpdateItemCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { load as ionLoad, dom } from 'ion-js';
import Big from 'big.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { advance, nowMs } from '../helpers/admin.js';
import { awsCli, dynamo, PY_CLIENT_ERROR, python } from '../helpers/clients.js';
import { getBytes, listKeys, readExport, s3, waitForExport } from '../helpers/exports.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

type Item = Record<string, AttributeValue>;

let strata: StrataProcess;
let client: DynamoDBClient;
let bucketClient: S3Client;
const ACCOUNT = '000000000000';
const arn = (t: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${t}`;

async function expectError(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

async function createTable(name: string, pitr = true): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: name, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  if (pitr) await client.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

async function putMany(table: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** Every DynamoDB type, with numbers that stress the Ion decimal mapping. */
function typedItem(i: number): Item {
  return {
    pk: { S: `user#${i % 7}` }, sk: { N: String(i) },
    s: { S: `héllo "${i}" \\ / ✓` }, n: { N: ['0', '-7', '600', '1.5', '0.001', '0.0000001', '12345678901234567890123456789012345678', '-1E-10'][i % 8]! },
    b: { B: Buffer.from([i % 256, 0, 255]) }, t: { BOOL: i % 2 === 0 }, z: { NULL: true },
    ss: { SS: ['a', `b${i}`] }, ns: { NS: ['1', String(i + 2)] }, bs: { BS: [Buffer.from('xyz'), Buffer.from([i])] },
    l: { L: [{ N: '1' }, { S: 'two' }, { M: { three: { N: '3' } } }] }, m: { M: { 'my-attr': { S: 'q' }, nested: { L: [{ BOOL: false }] } } },
  };
}

function canonical(item: Item): string {
  const b64 = (x: Uint8Array | string): string => (typeof x === 'string' ? x : Buffer.from(x).toString('base64'));
  const norm = (v: AttributeValue): unknown => {
    if (v.B !== undefined) return { B: b64(v.B as Uint8Array | string) };
    if (v.BS) return { BS: (v.BS as Array<Uint8Array | string>).map(b64).sort() };
    if (v.SS) return { SS: [...v.SS].sort() };
    if (v.NS) return { NS: [...v.NS].map((x) => new Big(x).toFixed()).sort() };
    if (v.N !== undefined) return { N: new Big(v.N).toFixed() };
    if (v.L) return { L: v.L.map(norm) };
    if (v.M) return { M: Object.fromEntries(Object.keys(v.M).sort().map((k) => [k, norm(v.M![k]!)])) };
    return v;
  };
  return JSON.stringify(Object.fromEntries(Object.keys(item).sort().map((k) => [k, norm(item[k]!)])));
}

/** An Ion value of an export line back to a DynamoDB item (ion-js is the independent reader). */
function fromIon(v: dom.Value): AttributeValue {
  const ann = v.getAnnotations();
  const t = v.getType().name;
  if (ann.includes('$dynamodb_SS')) return { SS: v.elements().map((x) => x.stringValue()!) };
  if (ann.includes('$dynamodb_NS')) return { NS: v.elements().map((x) => x.decimalValue()!.toString()) };
  if (ann.includes('$dynamodb_BS')) return { BS: v.elements().map((x) => Buffer.from(x.uInt8ArrayValue()!).toString('base64')) } as unknown as AttributeValue;
  if (v.isNull()) return { NULL: true };
  if (t === 'string') return { S: v.stringValue()! };
  if (t === 'bool') return { BOOL: v.booleanValue()! };
  if (t === 'decimal') return { N: v.decimalValue()!.toString() };
  if (t === 'blob') return { B: Buffer.from(v.uInt8ArrayValue()!).toString('base64') } as unknown as AttributeValue;
  if (t === 'list') return { L: v.elements().map(fromIon) };
  if (t === 'struct') return { M: Object.fromEntries(v.fields().map(([k, x]) => [k, fromIon(x)])) };
  throw new Error(`unexpected Ion type ${t}`);
}

/** Table "typed" as of `typedAt`: what both read-backs must find, whatever was written after. */
let typedItems: Item[] = [];
let typedAt: Date;
const keyOf = (it: Item) => `${it.pk!.S}/${new Big(it.sk!.N!).toFixed()}`;

/** Writes after ExportTime: updates, deletes and new items, none of which an export as of then may show. */
async function writeAfter(table: string, from: number, to: number, tag: string): Promise<void> {
  for (let i = from; i < to; i++) {
    const key = { pk: { S: `user#${i % 7}` }, sk: { N: String(i) } };
    if (i % 3 === 0) await client.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET s = :s REMOVE z', ExpressionAttributeValues: { ':s': { S: tag } } }));
    else if (i % 3 === 1) await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
    else await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `new#${tag}` }, sk: { N: String(i) } } }));
  }
}

/** Checks exported items against the table as of typedAt: exactly its keys, once each, equal values. */
function assertTypedAsOf(exported: Item[]): void {
  const keys = exported.map(keyOf);
  assert.equal(new Set(keys).size, keys.length, 'every key once');
  assert.deepEqual(new Set(keys), new Set(typedItems.map(keyOf)), 'exactly the keys of the table as of ExportTime');
  const byKey = new Map(exported.map((it) => [keyOf(it), it]));
  for (const it of typedItems) assert.equal(canonical(byKey.get(keyOf(it))!), canonical(it), keyOf(it));
}

before(async () => {
  strata = await startStrataProcess(['--in-memory']);
  client = dynamo(strata.url);
  bucketClient = s3(strata.url);
  await bucketClient.send(new CreateBucketCommand({ Bucket: 'exports' }));
});

after(async () => {
  client.destroy();
  bucketClient.destroy();
  await strata.stop();
});

describe('full export', () => {
  test('DYNAMODB_JSON: layout, manifests and checksums, read back with DuckDB', async () => {
    await createTable('typed');
    typedItems = Array.from({ length: 300 }, (_, i) => typedItem(i));
    await putMany('typed', typedItems);
    await new Promise((r) => setTimeout(r, 5));
    typedAt = new Date(await nowMs(strata.url));
    // Changed before the export is even requested, and again while it runs: the export must not see either.
    await writeAfter('typed', 0, 60, 'before-request');
    const started = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3Prefix: 'json-run', ExportTime: typedAt }));
    await writeAfter('typed', 60, 120, 'while-running');
    const d0 = started.ExportDescription!;
    assert.equal(d0.ExportStatus, 'IN_PROGRESS');
    assert.match(d0.ExportArn!, /^arn:aws:dynamodb:us-east-1:000000000000:table\/typed\/export\/\d{14}-[0-9a-f]{8}$/);
    assert.equal(d0.ExportType, undefined, 'ExportType is echoed only when requested');
    const d = await waitForExport(client, d0.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ItemCount, 300);
    assert.equal(d.ExportFormat, 'DYNAMODB_JSON');
    assert.equal(d.S3SseAlgorithm, 'AES256');
    assert.equal(d.ExportTime!.getTime(), typedAt.getTime());
    const id = d0.ExportArn!.split('/').pop()!;
    assert.equal(d.ExportManifest, `json-run/AWSDynamoDB/${id}/manifest-summary.json`);
    const keys = await listKeys(bucketClient, 'exports', `json-run/AWSDynamoDB/${id}/`);
    const names = new Set(keys.map((k) => k.key.slice(`json-run/AWSDynamoDB/${id}/`.length).split('/')[0]));
    assert.deepEqual(names, new Set(['_started', 'data', 'manifest-files.json', 'manifest-files.md5', 'manifest-summary.json', 'manifest-summary.md5']));
    const out = await readExport(bucketClient, 'exports', d.ExportManifest!);
    const summaryText = (await getBytes(bucketClient, 'exports', d.ExportManifest!)).toString('utf8');
    assert.deepEqual(Object.keys(out.summary), ['version', 'exportArn', 'startTime', 'endTime', 'tableArn', 'tableId', 'exportTime', 's3Bucket', 's3Prefix', 's3SseAlgorithm', 's3SseKmsKeyId', 'manifestFilesS3Key', 'billedSizeBytes', 'itemCount', 'outputFormat']);
    assert.equal(out.summary.version, '2020-06-30');
    assert.equal(out.summary.itemCount, 300);
    assert.equal(out.summary.s3Prefix, 'json-run');
    assert.match(out.summary.startTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('base64');
    assert.equal((await getBytes(bucketClient, 'exports', `json-run/AWSDynamoDB/${id}/manifest-summary.md5`)).toString(), md5(summaryText));
    const filesText = (await getBytes(bucketClient, 'exports', out.summary.manifestFilesS3Key as string)).toString();
    assert.ok(filesText.endsWith('\n'));
    assert.equal((await getBytes(bucketClient, 'exports', `json-run/AWSDynamoDB/${id}/manifest-files.md5`)).toString(), md5(filesText));
    assert.ok(out.files.length >= 4);
    for (const f of out.files) {
      assert.match(f.dataFileS3Key, new RegExp(`^json-run/AWSDynamoDB/${id}/data/[a-z2-7]{26}\\.json\\.gz$`));
      const gz = out.raw.get(f.dataFileS3Key)!;
      assert.equal(f.md5Checksum, md5(gz));
      assert.equal(f.etag, createHash('md5').update(createHash('md5').update(gz).digest()).digest('hex') + '-1');
      assert.equal(keys.find((k) => k.key === f.dataFileS3Key)?.etag, `"${f.etag}"`, 'the manifest etag is the object\'s S3 ETag (uploaded as one-part multipart, as AWS does)');
    }
    // DuckDB, an independent reader, reads the gzipped JSON lines straight from the files.
    const dir = mkdtempSync(join(tmpdir(), 'strata-duck-'));
    for (const [key, gz] of out.raw) writeFileSync(join(dir, key.split('/').pop()!), gz);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await duck.runAndReadAll(`SELECT json(Item)::VARCHAR AS item FROM read_json('${dir}/*.json.gz', format = 'newline_delimited', columns = {Item: 'JSON'})`)).getRowObjects();
    assertTypedAsOf(rows.map((r) => JSON.parse(String(r.item)) as Item));
    // The table itself has moved on, so the comparison above really is "as of".
    assert.equal((await client.send(new GetItemCommand({ TableName: 'typed', Key: { pk: { S: 'user#1' }, sk: { N: '1' } } }))).Item, undefined);
  });

  test('ION: read back with ion-js, every type mapped', async () => {
    await writeAfter('typed', 120, 180, 'before-ion');
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3Prefix: 'ion-run', ExportFormat: 'ION', ExportType: 'FULL_EXPORT', ExportTime: typedAt }));
    assert.equal(r.ExportDescription!.ExportType, 'FULL_EXPORT');
    await writeAfter('typed', 180, 240, 'while-ion');
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    const out = await readExport(bucketClient, 'exports', d.ExportManifest!);
    assert.equal(out.summary.outputFormat, 'ION');
    assert.ok(out.files.every((f) => f.dataFileS3Key.endsWith('.ion.gz')));
    const exported: Item[] = [];
    for (const line of out.lines) {
      assert.ok(line.startsWith('$ion_1_0 {Item:'), line);
      exported.push(fromIon(ionLoad(line)!.get('Item')!).M!);
    }
    assertTypedAsOf(exported);
  });

  test('exactly the table as of ExportTime while writes continue', async () => {
    await createTable('busy');
    let stop = false;
    const progress = new Map<number, number>();
    const writer = async (w: number): Promise<void> => {
      for (let i = 1; !stop; i++) {
        await client.send(new PutItemCommand({ TableName: 'busy', Item: { pk: { S: `w${w}` }, sk: { N: String(i) }, pad: { S: 'x'.repeat(200) } } }));
        await client.send(new UpdateItemCommand({ TableName: 'busy', Key: { pk: { S: `progress${w}` }, sk: { N: '0' } }, UpdateExpression: 'SET upto = :i', ExpressionAttributeValues: { ':i': { N: String(i) } } }));
        progress.set(w, i);
      }
    };
    const writers = [0, 1, 2].map(writer);
    await new Promise((r) => setTimeout(r, 400));
    const ackedBefore = new Map(progress);
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('busy'), S3Bucket: 'exports', S3Prefix: 'busy' }));
    await new Promise((res) => setTimeout(res, 300));
    stop = true;
    await Promise.all(writers);
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    const out = await readExport(bucketClient, 'exports', d.ExportManifest!);
    const byWriter = new Map<string, number[]>();
    const upto = new Map<string, number>();
    for (const l of out.lines) {
      const item = (JSON.parse(l) as { Item: Item }).Item;
      const pk = item.pk!.S!;
      if (pk.startsWith('progress')) upto.set(pk.slice('progress'.length), Number(item.upto!.N));
      else byWriter.set(pk.slice(1), [...(byWriter.get(pk.slice(1)) ?? []), Number(item.sk!.N)]);
    }
    for (const w of ['0', '1', '2']) {
      const seqs = (byWriter.get(w) ?? []).sort((a, b) => a - b);
      const m = seqs.length;
      assert.deepEqual(seqs, Array.from({ length: m }, (_, i) => i + 1), `writer ${w}: a consistent snapshot holds a prefix of its writes`);
      assert.ok(m >= (ackedBefore.get(Number(w)) ?? 0), 'every write acknowledged before the request is in the export');
      const u = upto.get(w) ?? 0;
      assert.ok(u === m || u === m - 1, `writer ${w}: progress ${u} agrees with ${m} puts`);
    }
    assert.equal(d.ItemCount, out.lines.length);
  });

  test('ExportTime in the past exports that instant', async () => {
    await createTable('history');
    await putMany('history', [{ pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'old' } }]);
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date();
    await new Promise((r) => setTimeout(r, 50));
    await client.send(new PutItemCommand({ TableName: 'history', Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'new' } } }));
    await client.send(new PutItemCommand({ TableName: 'history', Item: { pk: { S: 'b' }, sk: { N: '1' } } }));
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('history'), S3Bucket: 'exports', ExportTime: at }));
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
    assert.equal(d.ExportTime!.getTime(), at.getTime());
    const out = await readExport(bucketClient, 'exports', d.ExportManifest!);
    assert.equal(out.summary.s3Prefix, null);
    assert.deepEqual(out.lines.map((l) => (JSON.parse(l) as { Item: Item }).Item.v!.S), ['old']);
  });

  test('ListExports and DescribeExport', async () => {
    const all = await client.send(new ListExportsCommand({ TableArn: arn('typed') }));
    assert.equal(all.ExportSummaries!.length, 2);
    assert.ok(all.ExportSummaries!.every((s) => s.ExportStatus === 'COMPLETED' && s.ExportType === 'FULL_EXPORT'));
    assert.ok(all.ExportSummaries![0]!.ExportArn! > all.ExportSummaries![1]!.ExportArn!, 'newest first');
    const page1 = await client.send(new ListExportsCommand({ MaxResults: 1 }));
    assert.equal(page1.ExportSummaries!.length, 1);
    assert.ok(page1.NextToken);
    const page2 = await client.send(new ListExportsCommand({ MaxResults: 1, NextToken: page1.NextToken }));
    assert.notEqual(page2.ExportSummaries![0]!.ExportArn, page1.ExportSummaries![0]!.ExportArn);
    await expectError(client.send(new ListExportsCommand({ NextToken: 'garbage' })), 'ValidationException', /ListExports/);
    await expectError(client.send(new ListExportsCommand({ MaxResults: 26 })), 'ValidationException', /maxResults/);
  });

  test('ListExports after DeleteTable and a same-name re-create: full pages, right NextToken, old exports gone', async () => {
    // 'zzz' sorts after every other table, so its exports are the newest rows of the listing: once the
    // table is gone, a whole page of them must be skipped, not returned short or crash.
    await createTable('zzz');
    await putMany('zzz', [{ pk: { S: 'a' }, sk: { N: '1' } }]);
    const old: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('zzz'), S3Bucket: 'exports', S3Prefix: 'zzz' }));
      old.push((await waitForExport(client, r.ExportDescription!.ExportArn!)).ExportArn!);
    }
    const walk = async (pageSize: number, tableArn?: string): Promise<string[]> => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListExportsCommand({ MaxResults: pageSize, NextToken: token, TableArn: tableArn }));
        const n = page.ExportSummaries!.length;
        if (page.NextToken) assert.equal(n, pageSize, 'a page with a NextToken is full');
        seen.push(...page.ExportSummaries!.map((e) => e.ExportArn!));
        token = page.NextToken;
      } while (token);
      return seen;
    };
    const everything = await walk(25);
    assert.ok(old.every((a) => everything.includes(a)));
    await client.send(new DeleteTableCommand({ TableName: 'zzz' }));
    // The audit's repro, through the CLI: it answered 500 InternalServerError.
    const cli = await awsCli(strata.url, ['dynamodb', 'list-exports', '--max-results', '1']);
    assert.equal(cli.code, 0, cli.stderr);
    const first = JSON.parse(cli.stdout) as { ExportSummaries: Array<{ ExportArn: string }>; NextToken?: string };
    assert.equal(first.ExportSummaries.length, 1);
    assert.ok(!old.includes(first.ExportSummaries[0]!.ExportArn));
    const remaining = everything.filter((a) => !old.includes(a));
    assert.deepEqual(await walk(1), remaining, 'one a page: every live export once, newest first, none of the deleted table');
    assert.deepEqual(await walk(2), remaining);
    assert.deepEqual(await walk(25), remaining);
    // A TableArn of a table that is gone: an empty list (as AWS answers), not TableNotFoundException.
    assert.deepEqual((await client.send(new ListExportsCommand({ TableArn: arn('zzz') }))).ExportSummaries, []);
    // Re-created under the same name (same ARN, new TableId): the old table's exports stay hidden.
    await createTable('zzz');
    assert.deepEqual((await client.send(new ListExportsCommand({ TableArn: arn('zzz') }))).ExportSummaries, []);
    const fresh = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('zzz'), S3Bucket: 'exports', S3Prefix: 'zzz' }));
    await waitForExport(client, fresh.ExportDescription!.ExportArn!);
    const listed = await client.send(new ListExportsCommand({ TableArn: arn('zzz') }));
    assert.deepEqual(listed.ExportSummaries!.map((e) => e.ExportArn), [fresh.ExportDescription!.ExportArn]);
    assert.deepEqual(await walk(1), [fresh.ExportDescription!.ExportArn!, ...remaining]);
    // DescribeExport still finds the old table's exports.
    const d = (await client.send(new DescribeExportCommand({ ExportArn: old[0]! }))).ExportDescription!;
    assert.equal(d.ExportStatus, 'COMPLETED');
    assert.notEqual(d.TableId, fresh.ExportDescription!.TableId);
  });
});

describe('errors', () => {
  test('bad requests get AWS errors and write nothing', async () => {
    await createTable('nopitr', false);
    const before = (await listKeys(bucketClient, 'exports', '')).length;
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('nopitr'), S3Bucket: 'exports' })),
      'PointInTimeRecoveryUnavailableException', "Point in time recovery is not enabled for table 'nopitr'");
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('missing'), S3Bucket: 'exports' })),
      'TableNotFoundException', `Table not found: ${arn('missing')}`);
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', ExportTime: new Date(Date.now() - 3600_000) })),
      'InvalidExportTimeException', 'Export Time is invalid');
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', ExportTime: new Date(Date.now() + 3600_000) })),
      'InvalidExportTimeException', 'Export Time is invalid');
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3BucketOwner: '123' })),
      'ValidationException', "1 validation error detected: Value '123' at 's3BucketOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}");
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: '-bad-' })), 'ValidationException', /s3Bucket/);
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', ExportFormat: 'CSV' as 'ION' })), 'ValidationException', /exportFormat/);
    // The messages live AWS gives (third-party probe record ack-api-quirks, DDB-EXPORT-001/002/005).
    for (const alg of [undefined, 'AES256'] as const) {
      await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3SseAlgorithm: alg, S3SseKmsKeyId: 'alias/aws/s3' })),
        'ValidationException', 'Invalid Request: KMS Key Id is not supported for this encryption type');
    }
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3SseAlgorithm: 'KMS', S3SseKmsKeyId: 'k'.repeat(2049) })),
      'ValidationException', /at 's3SseKmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048$/);
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: 'typed', S3Bucket: 'exports' })),
      'ValidationException', 'One or more parameter values were invalid: tableArn is not a valid ARN');
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: `${arn('typed')}/index/byS`, S3Bucket: 'exports' })),
      'ValidationException', 'Invalid Request: Table ARN is invalid.');
    await expectError(client.send(new ExportTableToPointInTimeCommand({ TableArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/typed', S3Bucket: 'exports' })),
      'AccessDeniedException', 'Access is denied');
    await expectError(client.send(new DescribeExportCommand({ ExportArn: `${arn('typed')}/export/01234567890123-a1b2c3d4` })),
      'ExportNotFoundException', 'The specified export was not found.');
    await expectError(client.send(new DescribeExportCommand({ ExportArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/typed' })), 'ValidationException', /Invalid Export ARN/);
    assert.equal((await listKeys(bucketClient, 'exports', '')).length, before, 'a refused request writes nothing');
  });

  test('ClientToken: same request returns the same export, different parameters conflict', async () => {
    const input = { TableArn: arn('typed'), S3Bucket: 'exports', S3Prefix: 'idem', ClientToken: 'tok-1' };
    const a = await client.send(new ExportTableToPointInTimeCommand(input));
    const b = await client.send(new ExportTableToPointInTimeCommand(input));
    assert.equal(a.ExportDescription!.ExportArn, b.ExportDescription!.ExportArn);
    await waitForExport(client, a.ExportDescription!.ExportArn!);
    const c = await client.send(new ExportTableToPointInTimeCommand(input));
    assert.equal(c.ExportDescription!.ExportArn, a.ExportDescription!.ExportArn, 'still the same after completion');
    await expectError(client.send(new ExportTableToPointInTimeCommand({ ...input, ExportFormat: 'ION' })), 'ExportConflictException', 'Export conflict: Duplicate request detected with conflicting parameters');
  });

  test('a missing bucket or a wrong bucket owner ends the export FAILED with AWS codes', async () => {
    const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'no-such-bucket' }));
    const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
    assert.equal(d.ExportStatus, 'FAILED');
    assert.equal(d.FailureCode, 'S3NoSuchBucket');
    assert.match(d.FailureMessage!, /The specified bucket does not exist/);
    const o = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn('typed'), S3Bucket: 'exports', S3BucketOwner: '999999999999', S3Prefix: 'owner' }));
    const od = await waitForExport(client, o.ExportDescription!.ExportArn!);
    assert.equal(od.ExportStatus, 'FAILED');
    assert.equal(od.FailureCode, 'S3AccessDenied');
    assert.equal(od.S3BucketOwner, '999999999999');
    assert.deepEqual(await listKeys(bucketClient, 'exports', 'owner/'), []);
  });
});

describe('the CLI example from the documentation', () => {
  test('update-continuous-backups and export-table-to-point-in-time as documented', async () => {
    const env = { AWS_ACCESS_KEY_ID: '123456789012', AWS_DEFAULT_REGION: 'us-west-2' };
    const cli = (args: string[]) => awsCli(strata.url, args, env);
    const mk = await cli(['dynamodb', 'create-table', '--table-name', 'MusicCollection', '--attribute-definitions', 'AttributeName=Artist,AttributeType=S',
      '--key-schema', 'AttributeName=Artist,KeyType=HASH', '--billing-mode', 'PAY_PER_REQUEST']);
    assert.equal(mk.code, 0, mk.stderr);
    await cli(['dynamodb', 'put-item', '--table-name', 'MusicCollection', '--item', '{"Artist":{"S":"Acme Band"}}']);
    const pitr = await cli(['dynamodb', 'update-continuous-backups', '--table-name', 'MusicCollection', '--point-in-time-recovery-specification', 'PointInTimeRecoveryEnabled=True']);
    assert.equal(pitr.code, 0, pitr.stderr);
    assert.equal((JSON.parse(pitr.stdout) as { ContinuousBackupsDescription: { PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: string } } })
      .ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus, 'ENABLED');
    const mb = await awsCli(strata.url, ['s3', 'mb', 's3://ddb-export-musiccollection-9012345678'], env);
    assert.equal(mb.code, 0, mb.stderr);
    // Verbatim, the documented command names a 10-digit bucket owner; AWS refuses that, and so does Strata.
    const verbatim = await cli(['dynamodb', 'export-table-to-point-in-time', '--table-arn', 'arn:aws:dynamodb:us-west-2:123456789012:table/MusicCollection',
      '--s3-bucket', 'ddb-export-musiccollection-9012345678', '--s3-prefix', '2020-Nov', '--export-format', 'DYNAMODB_JSON', '--export-time', '1604632434',
      '--s3-bucket-owner', '9012345678', '--s3-sse-algorithm', 'AES256']);
    assert.notEqual(verbatim.code, 0);
    assert.match(verbatim.stderr, /ValidationException.*Value '9012345678' at 's3BucketOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: \[0-9\]\{12\}/);
    // With the owner's full account id, the 2020 export time is outside the table's PITR window.
    const old = await cli(['dynamodb', 'export-table-to-point-in-time', '--table-arn', 'arn:aws:dynamodb:us-west-2:123456789012:table/MusicCollection',
      '--s3-bucket', 'ddb-export-musiccollection-9012345678', '--s3-prefix', '2020-Nov', '--export-format', 'DYNAMODB_JSON', '--export-time', '1604632434',
      '--s3-bucket-owner', '123456789012', '--s3-sse-algorithm', 'AES256']);
    assert.match(old.stderr, /InvalidExportTimeException/);
    const now = String(Math.floor(Date.now() / 1000));
    const ok = await cli(['dynamodb', 'export-table-to-point-in-time', '--table-arn', 'arn:aws:dynamodb:us-west-2:123456789012:table/MusicCollection',
      '--s3-bucket', 'ddb-export-musiccollection-9012345678', '--s3-prefix', '2020-Nov', '--export-format', 'DYNAMODB_JSON', '--export-time', now,
      '--s3-bucket-owner', '123456789012', '--s3-sse-algorithm', 'AES256']);
    assert.equal(ok.code, 0, ok.stderr);
    const exportArn = (JSON.parse(ok.stdout) as { ExportDescription: { ExportArn: string } }).ExportDescription.ExportArn;
    let status = 'IN_PROGRESS';
    let described: { ExportDescription: { ExportStatus: string; ItemCount?: number; ExportManifest?: string } } | undefined;
    for (let i = 0; i < 50 && status === 'IN_PROGRESS'; i++) {
      const res = await cli(['dynamodb', 'describe-export', '--export-arn', exportArn]);
      described = JSON.parse(res.stdout) as typeof described;
      status = described!.ExportDescription.ExportStatus;
      if (status === 'IN_PROGRESS') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'COMPLETED');
    assert.equal(described!.ExportDescription.ItemCount, 1);
    const list = await cli(['dynamodb', 'list-exports', '--table-arn', 'arn:aws:dynamodb:us-west-2:123456789012:table/MusicCollection']);
    assert.equal((JSON.parse(list.stdout) as { ExportSummaries: unknown[] }).ExportSummaries.length, 1);
    const ls = await awsCli(strata.url, ['s3', 'ls', '--recursive', 's3://ddb-export-musiccollection-9012345678/2020-Nov/'], env);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /manifest-summary\.json/);
    assert.match(ls.stdout, /data\/[a-z2-7]{26}\.json\.gz/);
  });
});

describe('boto3', () => {
  test('the CLI example\'s parameters and export errors through boto3', async () => {
    // Runs after the CLI example above, on its table and bucket (account 123456789012, us-west-2).
    const r = await python(strata.url, `
import json, time
import boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb', endpoint_url='${strata.url}', region_name='us-west-2', aws_access_key_id='123456789012', aws_secret_access_key='x')
${PY_CLIENT_ERROR}
p = dict(TableArn='arn:aws:dynamodb:us-west-2:123456789012:table/MusicCollection', S3Bucket='ddb-export-musiccollection-9012345678',
         S3Prefix='2020-Nov', ExportFormat='DYNAMODB_JSON', ExportTime=1604632434, S3BucketOwner='9012345678', S3SseAlgorithm='AES256')
out = {'verbatim': err(lambda: c.export_table_to_point_in_time(**p))}
p['S3BucketOwner'] = '123456789012'
out['old'] = err(lambda: c.export_table_to_point_in_time(**p))
p['ExportTime'] = int(time.time())
p['ClientToken'] = 'boto3-token'
d = c.export_table_to_point_in_time(**p)['ExportDescription']
while d['ExportStatus'] == 'IN_PROGRESS':
    time.sleep(0.1)
    d = c.describe_export(ExportArn=d['ExportArn'])['ExportDescription']
out['done'] = [d['ExportStatus'], d['ItemCount'], d['ExportFormat'], d['S3Prefix'], 'S3BucketOwner' in d]
out['again'] = c.export_table_to_point_in_time(**p)['ExportDescription']['ExportArn'] == d['ExportArn']
p['S3Prefix'] = 'elsewhere'
out['conflict'] = err(lambda: c.export_table_to_point_in_time(**p))
out['missing'] = err(lambda: c.describe_export(ExportArn=d['ExportArn'][:-8] + '00000000'))
print(json.dumps(out))
`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(out.verbatim, ['ValidationException',
      "1 validation error detected: Value '9012345678' at 's3BucketOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}", 400]);
    assert.deepEqual(out.old, ['InvalidExportTimeException', 'Export Time is invalid', 400]);
    assert.deepEqual(out.done, ['COMPLETED', 1, 'DYNAMODB_JSON', '2020-Nov', false]);
    assert.equal(out.again, true);
    assert.deepEqual(out.conflict, ['ExportConflictException', 'Export conflict: Duplicate request detected with conflicting parameters', 400]);
    assert.deepEqual(out.missing, ['ExportNotFoundException', 'The specified export was not found.', 400]);
  });
});

// Last: it moves the server's clock 8 hours on, which would put the other tests' times out of their windows.
describe('ClientToken expiry', () => {
  test('a token is remembered for 8 hours after its export ends, then the same token starts a new export', async () => {
    const input = { TableArn: arn('typed'), S3Bucket: 'exports', S3Prefix: 'expiry', ClientToken: 'tok-8h' };
    const first = (await waitForExport(client, (await client.send(new ExportTableToPointInTimeCommand(input))).ExportDescription!.ExportArn!));
    assert.equal(first.ExportStatus, 'COMPLETED');
    await advance(strata.url, 8 * 3600 - 120);
    await expectError(client.send(new ExportTableToPointInTimeCommand({ ...input, S3Prefix: 'expiry-2' })),
      'ExportConflictException', 'Export conflict: Duplicate request detected with conflicting parameters');
    assert.equal((await client.send(new ExportTableToPointInTimeCommand(input))).ExportDescription!.ExportArn, first.ExportArn, 'still the same export at 7 h 58 min');
    await advance(strata.url, 240);
    const later = await client.send(new ExportTableToPointInTimeCommand({ ...input, S3Prefix: 'expiry-2' }));
    assert.notEqual(later.ExportDescription!.ExportArn, first.ExportArn, 'after 8 h the token starts a new export');
    assert.equal(later.ExportDescription!.ClientToken, 'tok-8h');
    const d = await waitForExport(client, later.ExportDescription!.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.S3Prefix, 'expiry-2');
    // The old export is still described as it was.
    assert.equal((await client.send(new DescribeExportCommand({ ExportArn: first.ExportArn! }))).ExportDescription!.S3Prefix, 'expiry');
  });
});
