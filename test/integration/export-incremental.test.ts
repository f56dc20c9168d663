import {
  CreateTableCommand, DeleteItemCommand, DynamoDBClient, ExportTableToPointInTimeCommand, ListExportsCommand, PutItemCommand, TransactWriteItemsCommand,
  UpdateContinuousBackupsCommand, UpdateItemCommand, type AttributeValue, type ExportDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { load as ionLoad } from 'ion-js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dynamo, python } from '../helpers/clients.js';
import { advance, nowMs } from '../helpers/admin.js';
import { readExport, s3, waitForExport } from '../helpers/exports.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

type Item = Record<string, AttributeValue>;
interface Incremental { Metadata: { WriteTimestampMicros: { N: string } }; Keys: Item; OldImage?: Item; NewImage?: Item }

let strata: StrataProcess;
let client: DynamoDBClient;
let bucket: S3Client;
const arn = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;
let tables = 0;

before(async () => {
  // AWS's default minimum period (15 minutes) stays in force: the tests move Strata's clock instead of waiting.
  strata = await startStrataProcess(['--in-memory']);
  client = dynamo(strata.url);
  bucket = s3(strata.url);
  await bucket.send(new CreateBucketCommand({ Bucket: 'incr' }));
});

after(async () => {
  client.destroy();
  bucket.destroy();
  await strata.stop();
});

async function newTable(): Promise<string> {
  const name = `chain_${++tables}`;
  await client.send(new CreateTableCommand({
    TableName: name, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  return name;
}

async function exportDone(input: ConstructorParameters<typeof ExportTableToPointInTimeCommand>[0]): Promise<ExportDescription> {
  const r = await client.send(new ExportTableToPointInTimeCommand(input));
  const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
  assert.equal(d.ExportStatus, 'COMPLETED', `${d.FailureCode}: ${d.FailureMessage}`);
  return d;
}

const keyOf = (k: Item) => `${k.pk!.S}|${k.sk!.N}`;

function parseLine(line: string, ion: boolean): Incremental | { Item: Item } {
  if (!ion) return JSON.parse(line) as Incremental;
  // The Ion lines are checked structurally here; full type fidelity of Ion is covered by the full-export tests.
  const v = ionLoad(line)!;
  const toItem = (s: import('ion-js').dom.Value | null): Item | undefined => {
    if (!s) return undefined;
    const out: Item = {};
    for (const [k, x] of s.fields()) {
      const t = x.getType().name;
      out[k] = t === 'string' ? { S: x.stringValue()! } : t === 'decimal' ? { N: String(Number(x.decimalValue()!.toString())) } : { NULL: true };
    }
    return out;
  };
  return {
    Metadata: { WriteTimestampMicros: { N: v.get('Metadata')!.get('WriteTimestampMicros')!.decimalValue()!.toString().replace(/\.$/, '') } },
    Keys: toItem(v.get('Keys'))!, OldImage: toItem(v.get('OldImage')), NewImage: toItem(v.get('NewImage')),
  };
}

type Op = { kind: 'put' | 'update' | 'delete' | 'tx'; pk: number; sk: number; v: number };
const opArb = fc.record({ kind: fc.constantFrom<Op['kind']>('put', 'update', 'delete', 'tx'), pk: fc.integer({ min: 0, max: 3 }), sk: fc.integer({ min: 0, max: 4 }), v: fc.integer({ min: -50, max: 50 }) });

async function apply(table: string, op: Op): Promise<void> {
  const Key = { pk: { S: `p${op.pk}` }, sk: { N: String(op.sk) } };
  if (op.kind === 'put') await client.send(new PutItemCommand({ TableName: table, Item: { ...Key, v: { N: String(op.v) }, s: { S: `s${op.v}` } } }));
  else if (op.kind === 'update') await client.send(new UpdateItemCommand({ TableName: table, Key, UpdateExpression: 'ADD v :d SET touched = :t', ExpressionAttributeValues: { ':d': { N: String(op.v) }, ':t': { S: 'yes' } } }));
  else if (op.kind === 'delete') await client.send(new DeleteItemCommand({ TableName: table, Key }));
  else {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: table, Item: { ...Key, v: { N: String(op.v) } } } },
      { Delete: { TableName: table, Key: { pk: { S: `p${(op.pk + 1) % 4}` }, sk: { N: String(op.sk) } } } },
    ] }));
  }
}

const normalise = (it: Item) => JSON.stringify(Object.fromEntries(Object.entries(it).map(([k, v]) => [k, v.N !== undefined ? { N: String(Number(v.N)) } : v]).sort()));

/**
 * Applies op so that it commits exactly on a whole millisecond T >= `after` (ms), and returns T: the write
 * lies exactly on the boundary when T is used as one window's ExportToTime and the next one's ExportFromTime.
 * The time-travel offset is whole seconds and `after` is a fenced "now", so once the wall clock has moved
 * on a millisecond the next commit timestamp is the wall clock's whole millisecond. The exact time is read
 * back from a probe export (no other API reports commit times); the clock moves 15 minutes for it.
 */
async function writeAtBoundary(table: string, op: Op, after: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 3));
  await apply(table, op);
  const probeTo = await advance(strata.url, 900);
  const d = await exportDone({
    TableArn: arn(table), S3Bucket: 'incr', S3Prefix: `${table}-probe`, ExportType: 'INCREMENTAL_EXPORT',
    IncrementalExportSpecification: { ExportFromTime: new Date(after), ExportToTime: new Date(probeTo), ExportViewType: 'NEW_IMAGE' },
  });
  const stamps = (await readExport(bucket, 'incr', d.ExportManifest!)).lines.map((l) => Number((JSON.parse(l) as Incremental).Metadata.WriteTimestampMicros.N));
  assert.ok(stamps.length > 0 && stamps.every((t) => t === stamps[0]), `one write, one commit time: ${stamps.join(' ')}`);
  assert.equal(stamps[0]! % 1000, 0, 'the boundary write committed on a whole millisecond');
  return stamps[0]! / 1000;
}

describe('incremental exports', () => {
  test('property: full(T0) + incremental [T0,T1) + ... + [Tn-1,Tn) == full(Tn), read back from the bucket', async () => {
    // A write that changes an item for sure: the one placed exactly on a window boundary must leave a record to time it by.
    const edgeArb = fc.option(fc.record({ kind: fc.constantFrom<Op['kind']>('put', 'update', 'tx'), pk: fc.integer({ min: 0, max: 3 }), sk: fc.integer({ min: 0, max: 4 }), v: fc.integer({ min: -50, max: 50 }) }), { nil: undefined });
    await fc.assert(fc.asyncProperty(
      fc.array(opArb, { minLength: 0, maxLength: 12 }),
      fc.array(fc.tuple(fc.array(opArb, { minLength: 0, maxLength: 12 }), fc.integer({ min: 900, max: 3 * 3600 }), fc.constantFrom<'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE'>('NEW_AND_OLD_IMAGES', 'NEW_IMAGE'), fc.boolean(), edgeArb), { minLength: 1, maxLength: 3 }),
      async (initial, phases) => {
        const table = await newTable();
        for (const op of initial) await apply(table, op);
        const t0 = await nowMs(strata.url);
        const times = [t0];
        const windows: Array<{ ops: Op[]; view: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE'; ion: boolean }> = [];
        for (const [ops, seconds, view, ion, edge] of phases) {
          for (const op of ops) await apply(table, op);
          const end = await advance(strata.url, seconds);
          times.push(edge ? await writeAtBoundary(table, edge, end) : end);
          windows.push({ ops, view, ion });
        }
        const base = await exportDone({ TableArn: arn(table), S3Bucket: 'incr', S3Prefix: table, ExportTime: new Date(t0) });
        const state = new Map<string, Item>();
        for (const l of (await readExport(bucket, 'incr', base.ExportManifest!)).lines) {
          const it = (JSON.parse(l) as { Item: Item }).Item;
          state.set(keyOf(it), it);
        }
        for (let i = 0; i < windows.length; i++) {
          const w = windows[i]!;
          const d = await exportDone({
            TableArn: arn(table), S3Bucket: 'incr', S3Prefix: table, ExportType: 'INCREMENTAL_EXPORT', ExportFormat: w.ion ? 'ION' : 'DYNAMODB_JSON',
            IncrementalExportSpecification: { ExportFromTime: new Date(times[i]!), ExportToTime: new Date(times[i + 1]!), ExportViewType: w.view },
          });
          const out = await readExport(bucket, 'incr', d.ExportManifest!);
          assert.equal(out.summary.exportType, 'INCREMENTAL_EXPORT');
          assert.equal(out.summary.outputView, w.view);
          const seen = new Set<string>();
          for (const l of out.lines) {
            const rec = parseLine(l, w.ion) as Incremental;
            const k = keyOf(rec.Keys);
            assert.ok(!seen.has(k), 'one record per changed key');
            seen.add(k);
            // From inclusive, To exclusive: a write exactly at T(i+1) belongs to the next window, not this one.
            const ts = Number(rec.Metadata.WriteTimestampMicros.N);
            assert.ok(ts >= times[i]! * 1000 && ts < times[i + 1]! * 1000, `${k} written at ${ts}, outside [${times[i]! * 1000}, ${times[i + 1]! * 1000})`);
            const before = state.get(k);
            if (w.view === 'NEW_AND_OLD_IMAGES') {
              assert.deepEqual(rec.OldImage && normalise(rec.OldImage), before && normalise(before), `OldImage of ${k} is the item just before ExportFromTime`);
            }
            if (w.view === 'NEW_IMAGE') assert.equal(rec.OldImage, undefined);
            if (rec.NewImage) state.set(k, w.ion ? { ...rec.NewImage } : rec.NewImage);
            else state.delete(k);
          }
        }
        const final = await exportDone({ TableArn: arn(table), S3Bucket: 'incr', S3Prefix: table, ExportTime: new Date(times[times.length - 1]!) });
        const expected = new Map<string, string>();
        for (const l of (await readExport(bucket, 'incr', final.ExportManifest!)).lines) {
          const it = (JSON.parse(l) as { Item: Item }).Item;
          expected.set(keyOf(it), normalise(it));
        }
        const got = new Map([...state].map(([k, it]) => [k, normalise(it)]));
        assert.deepEqual(got, expected);
      },
    ), { numRuns: 12 });
  });

  test('record shapes: insert, update, delete, created-and-deleted; manifests; validation', async () => {
    const table = await newTable();
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'stay' }, sk: { N: '1' }, v: { N: '1' } } }));
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'gone' }, sk: { N: '1' }, v: { N: '1' } } }));
    const from = await advance(strata.url, 60);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'new' }, sk: { N: '1' }, v: { N: '2' } } }));
    await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'stay' }, sk: { N: '1' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '5' } } }));
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'gone' }, sk: { N: '1' } } }));
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'blip' }, sk: { N: '1' } } }));
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'blip' }, sk: { N: '1' } } }));
    const to = await advance(strata.url, 1800);
    const d = await exportDone({
      TableArn: arn(table), S3Bucket: 'incr', S3Prefix: 'shapes', ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportToTime: new Date(to) },
    });
    assert.equal(d.ExportType, 'INCREMENTAL_EXPORT');
    assert.equal(d.IncrementalExportSpecification?.ExportViewType, 'NEW_AND_OLD_IMAGES');
    assert.equal(d.IncrementalExportSpecification?.ExportFromTime?.getTime(), Math.floor(from));
    assert.equal(d.ExportTime, undefined);
    assert.equal(d.BilledSizeBytes, 10_000_000, 'the 10 MB minimum charge');
    const out = await readExport(bucket, 'incr', d.ExportManifest!);
    assert.deepEqual(Object.keys(out.summary), ['version', 'exportArn', 'startTime', 'endTime', 'tableArn', 'tableId', 'exportFromTime', 'exportToTime', 's3Bucket', 's3Prefix', 's3SseAlgorithm', 's3SseKmsKeyId', 'manifestFilesS3Key', 'billedSizeBytes', 'itemCount', 'outputFormat', 'outputView', 'exportType']);
    assert.equal(out.summary.version, '2023-08-01');
    assert.ok(out.files.every((f) => /^shapes\/AWSDynamoDB\/data\/[a-z2-7]{26}\.json\.gz$/.test(f.dataFileS3Key)), 'incremental data files go to the shared data folder');
    const recs = new Map(out.lines.map((l) => { const r = JSON.parse(l) as Incremental; return [r.Keys.pk!.S!, { r, order: Object.keys(r) }]; }));
    assert.equal(recs.size, 3, 'created-and-deleted inside the window produces no record');
    assert.deepEqual(recs.get('new')!.order, ['Metadata', 'Keys', 'NewImage']);
    assert.deepEqual(recs.get('stay')!.order, ['Metadata', 'Keys', 'OldImage', 'NewImage']);
    assert.deepEqual(recs.get('stay')!.r.OldImage, { pk: { S: 'stay' }, sk: { N: '1' }, v: { N: '1' } });
    assert.deepEqual(recs.get('gone')!.order, ['Metadata', 'Keys', 'OldImage']);
    assert.match(recs.get('new')!.r.Metadata.WriteTimestampMicros.N, /^\d{16}$/);
    const newImage = await exportDone({
      TableArn: arn(table), S3Bucket: 'incr', S3Prefix: 'shapes-new', ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportToTime: new Date(to), ExportViewType: 'NEW_IMAGE' },
    });
    const gone = (await readExport(bucket, 'incr', newImage.ExportManifest!)).lines.map((l) => JSON.parse(l) as Incremental).find((r) => r.Keys.pk!.S === 'gone')!;
    assert.deepEqual(Object.keys(gone), ['Metadata', 'Keys'], 'NEW_IMAGE: a delete is Metadata and Keys only');

    const expectErr = async (input: ConstructorParameters<typeof ExportTableToPointInTimeCommand>[0], name: string, message: RegExp) => {
      await assert.rejects(client.send(new ExportTableToPointInTimeCommand(input)), (e: Error) => {
        assert.equal(e.name, name, e.message);
        assert.match(e.message, message);
        return true;
      });
    };
    const base = { TableArn: arn(table), S3Bucket: 'incr' };
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT' }, 'ValidationException',
      /^Invalid Request: Incremental Export Specification expected when export type is set as Incremental Export$/);
    await expectErr({ ...base, IncrementalExportSpecification: { ExportFromTime: new Date(from) } }, 'ValidationException',
      /^Invalid Request: Export Type expected to be Incremental Export when incremental export specification is provided$/);
    await expectErr({ ...base, ExportType: 'FULL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(from) } }, 'ValidationException',
      /^Invalid Request: When Export Type is Full Export , Incremental Export Specification should not be provided$/);
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportViewType: 'NEW_IMAGE' } }, 'ValidationException',
      /^Invalid Request: ExportFromTime must be provided in IncrementalExportSpecification$/);
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(to), ExportToTime: new Date(from) } },
      'InvalidExportTimeException', /^Incremental export period from time should not be greater or equal to incremental export period to time$/);
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportToTime: new Date(from + 60_000) } },
      'InvalidExportTimeException', /^Difference between export period from time and export period to time is less than 15 minutes$/);
    const later = await advance(strata.url, 25 * 3600);
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportToTime: new Date(later) } },
      'InvalidExportTimeException', /24 hours/);
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(later - 3600_000), ExportToTime: new Date(later + 3600_000) } },
      'InvalidExportTimeException', new RegExp(`^Incremental export period to time cannot be greater than the current time : ${new Date(Math.floor((later + 3600_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z')}$`));
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(from - 36 * 24 * 3600_000), ExportToTime: new Date(from - 35 * 24 * 3600_000) } },
      'InvalidExportTimeException', new RegExp(`^Incremental export period from time cannot be less than the table creation time : ${new Date(Math.floor((from - 36 * 24 * 3600_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z')}$`));
    await expectErr({ ...base, ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportViewType: 'OLD_IMAGE' as 'NEW_IMAGE' } },
      'ValidationException', /exportViewType/);
    const list = await client.send(new ListExportsCommand({ TableArn: arn(table) }));
    assert.ok(list.ExportSummaries!.every((s) => s.ExportType === 'INCREMENTAL_EXPORT'));
  });

  test('boto3 pipeline: full + incrementals read with the standard library equal the final full export', async () => {
    const r = await python(strata.url, `
import os, json, gzip, time, io
import boto3, botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
import urllib.request
url = os.environ['STRATA_URL']
ddb = boto3.client('dynamodb', endpoint_url=url, region_name='us-east-1')
s3 = boto3.client('s3', endpoint_url=url, region_name='us-east-1')
creds = botocore.session.get_session().get_credentials()
def strata(method, path, body=None):
    req = AWSRequest(method=method, url=url + path, data=json.dumps(body) if body is not None else '')
    SigV4Auth(creds, 'strata', 'us-east-1').add_auth(req)
    r = urllib.request.urlopen(urllib.request.Request(req.url, data=req.body if body is not None else None, headers=dict(req.headers), method=method))
    return json.loads(r.read())
def now(): return strata('GET', '/_strata/clock')['nowMicros'] / 1e6
def wait(arn):
    while True:
        d = ddb.describe_export(ExportArn=arn)['ExportDescription']
        if d['ExportStatus'] != 'IN_PROGRESS':
            assert d['ExportStatus'] == 'COMPLETED', d
            return d
        time.sleep(0.1)
def lines(d):
    summary = json.loads(s3.get_object(Bucket='incr', Key=d['ExportManifest'])['Body'].read())
    files = s3.get_object(Bucket='incr', Key=summary['manifestFilesS3Key'])['Body'].read().decode().splitlines()
    for f in files:
        body = s3.get_object(Bucket='incr', Key=json.loads(f)['dataFileS3Key'])['Body'].read()
        for l in gzip.decompress(body).decode().splitlines():
            yield json.loads(l)
key = lambda k: (k['id']['S'],)
ddb.create_table(TableName='py_chain', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}], AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
ddb.update_continuous_backups(TableName='py_chain', PointInTimeRecoverySpecification={'PointInTimeRecoveryEnabled': True})
arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/py_chain'
# boto3 sends timestamps as whole epoch seconds: start the chain a second after PITR was enabled.
strata('POST', '/_strata/clock/advance', {'seconds': 2})
for i in range(20): ddb.put_item(TableName='py_chain', Item={'id': {'S': 'k%d' % i}, 'n': {'N': str(i)}})
# And T0 a second after the initial items, so that its whole second still comes after them (they are old images).
strata('POST', '/_strata/clock/advance', {'seconds': 2})
t = [now()]
for step in range(3):
    for i in range(step, 20, 3): ddb.update_item(TableName='py_chain', Key={'id': {'S': 'k%d' % i}}, UpdateExpression='SET n = if_not_exists(n, :zero) + :one', ExpressionAttributeValues={':one': {'N': '1'}, ':zero': {'N': '0'}})
    ddb.delete_item(TableName='py_chain', Key={'id': {'S': 'k%d' % (step * 5)}})
    ddb.put_item(TableName='py_chain', Item={'id': {'S': 'new%d' % step}})
    strata('POST', '/_strata/clock/advance', {'seconds': 1200})
    t.append(now())
state = {key(r['Item']): r['Item'] for r in lines(wait(ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket='incr', S3Prefix='py', ExportTime=t[0])['ExportDescription']['ExportArn']))}
old_checked = 0
# Both view types, alternately: with NEW_AND_OLD_IMAGES a pipeline can check each record's OldImage against what it holds.
for step, (a, b) in enumerate(zip(t, t[1:])):
    view = 'NEW_AND_OLD_IMAGES' if step % 2 == 0 else 'NEW_IMAGE'
    d = wait(ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket='incr', S3Prefix='py', ExportType='INCREMENTAL_EXPORT',
        IncrementalExportSpecification={'ExportFromTime': a, 'ExportToTime': b, 'ExportViewType': view})['ExportDescription']['ExportArn'])
    for r in lines(d):
        k = key(r['Keys'])
        if view == 'NEW_AND_OLD_IMAGES':
            assert r.get('OldImage') == state.get(k), (k, r.get('OldImage'), state.get(k))
            old_checked += 'OldImage' in r
        else:
            assert 'OldImage' not in r, r
        if 'NewImage' in r: state[k] = r['NewImage']
        else: state.pop(k, None)
final = {key(r['Item']): r['Item'] for r in lines(wait(ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket='incr', S3Prefix='py', ExportTime=t[-1])['ExportDescription']['ExportArn']))}
print(json.dumps({'equal': state == final, 'items': len(final), 'old_images_checked': old_checked}))
`);
    assert.equal(r.code, 0, r.stderr);
    // Windows 1 and 3 are NEW_AND_OLD_IMAGES. Window 1: the 7 updated keys (k0 then deleted) had old images.
    // Window 3: k2, k8, k11, k14, k17 updated and k10 deleted had them; k5, deleted in window 2, is recreated (none).
    const out = JSON.parse(r.stdout) as { equal: boolean; items: number; old_images_checked: number };
    assert.deepEqual({ equal: out.equal, items: out.items }, { equal: true, items: 21 }, '20 initial, 3 deleted, 1 recreated by an update, 3 new');
    assert.equal(out.old_images_checked, 13, 'OldImages compared from Python');
  });
});
