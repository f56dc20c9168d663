/**
 * S3Sink against a third-party S3 implementation (moto's S3 server, run from python3 on 127.0.0.1) and,
 * for faults moto cannot produce (403, 5xx, connection resets), a small local HTTP server that answers
 * like S3. Also runs verifyExport over exports written through the sink.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DataFileWriter, dataFileKey, dataFileName, exportKeys, fullIonLine, fullJsonLine, fullManifestSummary,
  incrementalIonLine, incrementalJsonLine, incrementalManifestSummary, makeExportArn, makeExportId, manifestFilesJson,
  md5Base64, verifyExport, type ExportFormat, type ExportType, type ExportViewType, type IncrementalChange,
  type ManifestFileEntry,
} from '../../src/export/format/index.js';
import { S3Sink, SinkFailure, type S3SinkOptions } from '../../src/s3/sink.js';

const CREDS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const BUCKET = 'strata-sink-test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function motoAvailable(): boolean {
  const r = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  return r.status === 0;
}

async function startMoto(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited: ${err}`);
    try {
      const res = await fetch(`${url}/`);
      await res.arrayBuffer();
      if (res.ok) return { url, child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.kill('SIGTERM');
  throw new Error(`moto server did not start: ${err}`);
}

function sinkFor(url: string, extra: Partial<S3SinkOptions> = {}): S3Sink {
  return new S3Sink({ bucket: BUCKET, endpoint: url, region: 'us-east-1', credentials: CREDS, forcePathStyle: true, ...extra });
}

async function objectBytes(sink: S3Sink, key: string, bucket = BUCKET): Promise<Buffer> {
  const res = await sink.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** A deterministic pseudo-random stream of `total` bytes in chunks of `chunk`. */
function byteStream(total: number, chunk = 64 * 1024): { stream: Readable; md5: () => string } {
  const hash = createHash('md5');
  let sent = 0;
  let seed = 7;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - sent);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        buf[i] = seed >>> 16;
      }
      sent += n;
      hash.update(buf);
      this.push(buf);
    },
  });
  return { stream, md5: () => hash.digest('hex') };
}

function expectFailure(code: string, message?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof SinkFailure, `expected SinkFailure, got ${String(e)}`);
    assert.equal(e.failureCode, code);
    if (message) assert.match(e.failureMessage, message);
    return true;
  };
}

// ------------------------------------------------------------------------------------ export writing

interface ExportSpec {
  prefix: string | null;
  type: ExportType;
  format: ExportFormat;
  view?: ExportViewType;
  /** Lines per data file. */
  files: string[][];
}

/** Writes a whole export through the sink, in AWS's order; returns the export directory. */
async function writeExport(sink: S3Sink, spec: ExportSpec): Promise<{ dir: string; id: string; entries: ManifestFileEntry[] }> {
  const start = Date.now();
  const id = makeExportId(start);
  const keys = exportKeys(spec.prefix, id, spec.type);
  await sink.putObject(keys.started, '');
  const entries: ManifestFileEntry[] = [];
  for (const lines of spec.files) {
    const key = dataFileKey(spec.prefix, id, spec.type, dataFileName(spec.format));
    const w = new DataFileWriter();
    const up = sink.upload(key, w.stream);
    for (const line of lines) if (!w.writeLine(line)) await w.drained();
    const r = await w.end();
    await up;
    entries.push({ itemCount: r.itemCount, md5Checksum: r.md5Checksum, etag: r.etag, dataFileS3Key: key });
  }
  const filesJson = manifestFilesJson(entries);
  await sink.putObject(keys.manifestFiles, filesJson);
  await sink.putObject(keys.manifestFilesMd5, md5Base64(filesJson));
  const common = {
    exportArn: makeExportArn('us-east-1', '000000000000', 'tbl', id),
    startTime: start,
    endTime: Date.now(),
    tableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/tbl',
    tableId: '00000000-0000-4000-8000-000000000000',
    s3Bucket: BUCKET,
    s3Prefix: spec.prefix,
    s3SseAlgorithm: 'AES256' as const,
    s3SseKmsKeyId: null,
    manifestFilesS3Key: keys.manifestFiles,
    billedSizeBytes: 0,
    itemCount: entries.reduce((n, e) => n + e.itemCount, 0),
    outputFormat: spec.format,
  };
  const summary =
    spec.type === 'FULL_EXPORT'
      ? fullManifestSummary({ ...common, exportTime: start })
      : incrementalManifestSummary({ ...common, exportFromTime: start - 3_600_000, exportToTime: start - 60_000, outputView: spec.view ?? 'NEW_AND_OLD_IMAGES' });
  await sink.putObject(keys.manifestSummary, summary);
  await sink.putObject(keys.manifestSummaryMd5, md5Base64(summary));
  return { dir: keys.exportDir, id, entries };
}

function items(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ pk: { S: `p${i + offset}` }, sk: { N: String(i) }, data: { M: { b: { B: 'aGVsbG8=' }, s: { SS: ['x', 'y'] } } }, price: { N: '12.50' } }),
  );
}

function changes(n: number): IncrementalChange[] {
  return Array.from({ length: n }, (_, i) => ({
    writeTimestampMicros: 1_768_386_096_366_933 + i,
    keys: { pk: { S: `p${i}` } },
    oldImage: i % 3 === 0 ? null : { pk: { S: `p${i}` }, v: { N: String(i) } },
    newImage: i % 3 === 1 ? null : { v: { N: String(i + 1) }, pk: { S: `p${i}` } },
  }));
}

// ------------------------------------------------------------------------------------------- tests

const haveMoto = motoAvailable();

describe('S3Sink against moto S3', { skip: haveMoto ? false : 'python3 moto is not installed' }, () => {
  let moto: { url: string; child: ChildProcess };
  let sink: S3Sink;

  before(async () => {
    moto = await startMoto();
    sink = sinkFor(moto.url);
    await sink.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  after(() => {
    sink?.destroy();
    moto?.child.kill('SIGTERM');
  });

  it('checks the bucket', async () => {
    await sink.headBucket();
    const missing = sinkFor(moto.url, { bucket: 'no-such-bucket-here' });
    await assert.rejects(missing.headBucket(), expectFailure('S3NoSuchBucket', /The specified bucket does not exist/));
    missing.destroy();
  });

  it('puts objects (string and Buffer, empty too)', async () => {
    await sink.putObject('a/b.json', '{"x":1}');
    assert.equal((await objectBytes(sink, 'a/b.json')).toString(), '{"x":1}');
    const bin = randomBytes(1000);
    const r = await sink.putObject('a/c.bin', bin);
    assert.equal(r.etag, `"${createHash('md5').update(bin).digest('hex')}"`);
    assert.deepEqual(await objectBytes(sink, 'a/c.bin'), bin);
    await sink.putObject('a/_started', '');
    assert.equal((await objectBytes(sink, 'a/_started')).length, 0);
  });

  it('uploads a ~12 MiB stream as a multipart upload', async () => {
    const size = 12 * 1024 * 1024 + 12345;
    const src = byteStream(size);
    await sink.upload('big/object.bin', src.stream);
    const head = await sink.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big/object.bin' }));
    assert.equal(head.ContentLength, size);
    assert.match(head.ETag ?? '', /-2"$/, `two 8 MiB parts expected, ETag ${head.ETag}`);
    const got = await objectBytes(sink, 'big/object.bin');
    assert.equal(createHash('md5').update(got).digest('hex'), src.md5());
  });

  it('uploads a DataFileWriter stream and the object has the checksums the writer computed', async () => {
    const w = new DataFileWriter();
    const up = sink.upload('df/file.json.gz', w.stream);
    for (const line of items(2000)) await w.write(fullJsonLine(line));
    const r = await w.end();
    await up;
    const bytes = await objectBytes(sink, 'df/file.json.gz');
    assert.equal(bytes.length, r.compressedBytes);
    assert.equal(createHash('md5').update(bytes).digest('base64'), r.md5Checksum);
  });

  it('sends SSE headers: AES256 and aws:kms with a key id, on put and on multipart', async () => {
    const aes = sinkFor(moto.url, { sse: { algorithm: 'AES256' } });
    await aes.putObject('sse/aes.txt', 'x');
    let head = await aes.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sse/aes.txt' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    await aes.upload('sse/aes-multi.bin', byteStream(9 * 1024 * 1024).stream);
    head = await aes.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sse/aes-multi.bin' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    assert.match(head.ETag ?? '', /-2"$/);
    aes.destroy();

    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const kms = sinkFor(moto.url, { sse: { algorithm: 'aws:kms', kmsKeyId: keyId } });
    await kms.putObject('sse/kms.txt', 'y');
    head = await kms.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sse/kms.txt' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, keyId);
    kms.destroy();
  });

  it('maps a missing bucket to S3NoSuchBucket for put and upload, and unblocks the writer', async () => {
    const missing = sinkFor(moto.url, { bucket: 'no-such-bucket-here' });
    await assert.rejects(missing.putObject('k', 'v'), expectFailure('S3NoSuchBucket', /^The specified bucket does not exist \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket; Request ID: /));
    // Small stream (single PutObject inside lib-storage).
    const w = new DataFileWriter();
    const up = missing.upload('k.json.gz', w.stream);
    w.writeLine('{"Item":{}}\n');
    await w.end(); // a small file is complete (buffered in the stream) before the upload fails
    await assert.rejects(up, expectFailure('S3NoSuchBucket', /The specified bucket does not exist/));
    assert.ok(w.stream.destroyed);
    // Large stream (multipart): the producer waiting on backpressure is released with the failure.
    const w2 = new DataFileWriter({ level: 0 });
    const up2 = missing.upload('k2.json.gz', w2.stream);
    const producer = (async () => {
      const line = `${'z'.repeat(4096)}\n`;
      for (let i = 0; i < 10_000; i++) await w2.write(line);
      await w2.end();
    })();
    await assert.rejects(up2, expectFailure('S3NoSuchBucket'));
    await assert.rejects(producer);
    missing.destroy();
  });

  describe('verifyExport', () => {
    it('passes a full DynamoDB JSON export with empty files, without a prefix', async () => {
      const { dir, entries } = await writeExport(sink, {
        prefix: null,
        type: 'FULL_EXPORT',
        format: 'DYNAMODB_JSON',
        files: [items(300).map(fullJsonLine), [], items(5, 1000).map(fullJsonLine), []],
      });
      assert.ok(dir.startsWith('AWSDynamoDB/'));
      const empty = entries.find((e) => e.itemCount === 0)!;
      assert.equal(empty.md5Checksum, 'FjvgqIxwymKf1RbbqtrZag==');
      const report = await verifyExport(sink.client, BUCKET, dir);
      assert.deepEqual(report.problems, []);
      assert.equal(report.ok, true);
      assert.equal(report.exportType, 'FULL_EXPORT');
      assert.equal(report.outputFormat, 'DYNAMODB_JSON');
      assert.equal(report.itemCount, 305);
      assert.equal(report.summaryItemCount, 305);
      assert.equal(report.dataFiles.length, 4);
      assert.deepEqual(report.warnings, []);
    });

    it('passes a full Ion export under a prefix (trailing slash given to verify)', async () => {
      const { dir } = await writeExport(sink, {
        prefix: 'exports/ion',
        type: 'FULL_EXPORT',
        format: 'ION',
        files: [items(250).map((j) => fullIonLine(j)), []],
      });
      const report = await verifyExport(sink.client, BUCKET, `${dir}/`);
      assert.deepEqual(report.problems, []);
      assert.equal(report.outputFormat, 'ION');
      assert.equal(report.itemCount, 250);
    });

    it('passes incremental exports (JSON and Ion, both views) in the shared data folder', async () => {
      for (const format of ['DYNAMODB_JSON', 'ION'] as const) {
        for (const view of ['NEW_AND_OLD_IMAGES', 'NEW_IMAGE'] as const) {
          const enc = format === 'ION' ? incrementalIonLine : incrementalJsonLine;
          const lines = changes(60).map((c) => enc(c, view)).filter((l): l is string => l !== null);
          const { dir, entries } = await writeExport(sink, { prefix: 'inc', type: 'INCREMENTAL_EXPORT', format, view, files: [lines, []] });
          assert.ok(entries.every((e) => e.dataFileS3Key.startsWith('inc/AWSDynamoDB/data/')));
          const report = await verifyExport(sink.client, BUCKET, dir);
          assert.deepEqual(report.problems, [], `${format} ${view}`);
          assert.equal(report.exportType, 'INCREMENTAL_EXPORT');
          assert.equal(report.outputView, view);
          assert.equal(report.itemCount, lines.length);
        }
      }
    });

    it('reports tampered data, wrong counts, bad checksum files and missing objects', async () => {
      const { dir, entries } = await writeExport(sink, {
        prefix: 'bad',
        type: 'FULL_EXPORT',
        format: 'DYNAMODB_JSON',
        files: [items(10).map(fullJsonLine), items(3, 50).map(fullJsonLine)],
      });
      const keys = exportKeys('bad', dir.split('/').pop()!);
      // Replace file 1 with other content (valid gzip, 1 line fewer), and add a stray data file.
      const w = new DataFileWriter();
      const bytesP = (async () => {
        const chunks: Buffer[] = [];
        for await (const c of w.stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      })();
      for (const line of items(9).map(fullJsonLine)) w.writeLine(line);
      await w.end();
      await sink.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: entries[0]!.dataFileS3Key, Body: await bytesP }));
      await sink.putObject(`${keys.dataDir}stray.json.gz`, Buffer.alloc(0));
      // Garbage in file 2.
      await sink.putObject(entries[1]!.dataFileS3Key, Buffer.from('not gzip'));
      await sink.putObject(keys.manifestFilesMd5, 'AAAAAAAAAAAAAAAAAAAAAA==');
      await sink.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys.started }));

      const report = await verifyExport(sink.client, BUCKET, dir);
      assert.equal(report.ok, false);
      const codes = report.problems.map((p) => `${p.code}:${p.key ?? ''}`);
      assert.ok(codes.includes(`Md5Mismatch:${keys.manifestFilesMd5}`), codes.join('\n'));
      assert.ok(codes.includes(`MissingObject:${keys.started}`), codes.join('\n'));
      assert.ok(codes.includes(`Md5Mismatch:${entries[0]!.dataFileS3Key}`), codes.join('\n'));
      assert.ok(codes.includes(`EtagMismatch:${entries[0]!.dataFileS3Key}`), codes.join('\n'));
      assert.ok(codes.includes(`ItemCountMismatch:${entries[0]!.dataFileS3Key}`), codes.join('\n'));
      assert.ok(codes.includes(`BadGzip:${entries[1]!.dataFileS3Key}`), codes.join('\n'));
      assert.ok(report.warnings.some((p) => p.code === 'UnlistedDataFile' && p.key === `${keys.dataDir}stray.json.gz`));
      assert.equal(report.dataFiles[0]!.itemCount, 9);
    });

    it('reports bad records and a missing export', async () => {
      const { dir } = await writeExport(sink, {
        prefix: 'badrec',
        type: 'FULL_EXPORT',
        format: 'DYNAMODB_JSON',
        files: [['{"Item":{"pk":{"S":"1"}}}\n', '{"Item":{"pk":{"Q":"1"}}}\n', 'not json\n', '{"Itm":{}}\n']],
      });
      const report = await verifyExport(sink.client, BUCKET, dir);
      const bad = report.problems.filter((p) => p.code === 'BadRecord').map((p) => p.message);
      assert.equal(bad.length, 3, bad.join('\n'));
      assert.match(bad[0]!, /^line 2: .*unknown type Q/);
      assert.match(bad[1]!, /^line 3: cannot parse/);
      assert.match(bad[2]!, /^line 4: /);

      const none = await verifyExport(sink.client, BUCKET, 'nothing/AWSDynamoDB/01700000000000-00000000');
      assert.equal(none.ok, false);
      assert.equal(none.problems[0]!.code, 'MissingObject');
    });
  });
});

// ------------------------------------------------------------------------------ fault injection

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

type Responder = (req: IncomingMessage, body: Buffer, n: number) => { status: number; body?: string; headers?: Record<string, string> } | 'reset';

async function fakeS3(respond: Responder): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const r = respond(req, Buffer.concat(chunks), seen.length);
      if (r === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(r.status, { 'x-amz-request-id': `REQ${seen.length}`, 'x-amz-id-2': 'HOSTID', 'content-type': 'application/xml', ...r.headers });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const s3Error = (code: string, message: string, n: number): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>REQ${n}</RequestId><HostId>HOSTID</HostId></Error>`;

const OK = { status: 200, headers: { etag: '"d41d8cd98f00b204e9800998ecf8427e"' } };

describe('S3Sink error mapping and retries (local fake S3)', () => {
  it('403 AccessDenied → S3AccessDenied in AWS message form, not retried', async () => {
    const srv = await fakeS3((_req, _b, n) => ({ status: 403, body: s3Error('AccessDenied', 'Access Denied', n) }));
    const sink = sinkFor(srv.url, { expectedBucketOwner: '111122223333' });
    await assert.rejects(
      sink.putObject('k', 'v'),
      expectFailure('S3AccessDenied', /^Access Denied \(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: REQ1; S3 Extended Request ID: HOSTID\)$/),
    );
    assert.equal(srv.seen.length, 1);
    sink.destroy();
    await srv.close();
  });

  it('403 without a body on HeadBucket (wrong expected owner) → S3AccessDenied', async () => {
    const srv = await fakeS3(() => ({ status: 403 }));
    const sink = sinkFor(srv.url, { expectedBucketOwner: '111122223333' });
    await assert.rejects(sink.headBucket(), expectFailure('S3AccessDenied', /^Access Denied \(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: REQ1/));
    assert.equal(srv.seen[0]!.headers['x-amz-expected-bucket-owner'], '111122223333');
    sink.destroy();
    await srv.close();
  });

  it('404 on HeadBucket → S3NoSuchBucket', async () => {
    const srv = await fakeS3(() => ({ status: 404 }));
    const sink = sinkFor(srv.url);
    await assert.rejects(sink.headBucket(), expectFailure('S3NoSuchBucket', /^The specified bucket does not exist \(/));
    sink.destroy();
    await srv.close();
  });

  it('retries 503 SlowDown and 500 with backoff, then succeeds', async () => {
    const srv = await fakeS3((_req, _b, n) =>
      n === 1 ? { status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.', n) } : n === 2 ? { status: 500, body: s3Error('InternalError', 'We encountered an internal error.', n) } : OK,
    );
    const sink = sinkFor(srv.url);
    const t0 = Date.now();
    await sink.putObject('k', 'v');
    assert.equal(srv.seen.length, 3);
    assert.ok(Date.now() - t0 >= 50, 'some backoff between attempts');
    sink.destroy();
    await srv.close();
  });

  it('retries a connection reset', async () => {
    const srv = await fakeS3((_req, _b, n) => (n === 1 ? 'reset' : OK));
    const sink = sinkFor(srv.url);
    await sink.putObject('k', 'v');
    assert.equal(srv.seen.length, 2);
    sink.destroy();
    await srv.close();
  });

  it('gives up after maxAttempts on persistent 500 → UNKNOWN with S3 detail', async () => {
    const srv = await fakeS3((_req, _b, n) => ({ status: 500, body: s3Error('InternalError', 'We encountered an internal error. Please try again.', n) }));
    const sink = sinkFor(srv.url, { maxAttempts: 3 });
    await assert.rejects(sink.putObject('k', 'v'), expectFailure('UNKNOWN', /^We encountered an internal error\. Please try again\. \(Service: Amazon S3; Status Code: 500; Error Code: InternalError; Request ID: REQ3/));
    assert.equal(srv.seen.length, 3);
    sink.destroy();
    await srv.close();
  });

  it('never retries other 4xx errors', async () => {
    const srv = await fakeS3((_req, _b, n) => ({ status: 400, body: s3Error('InvalidArgument', 'Invalid argument.', n) }));
    const sink = sinkFor(srv.url);
    await assert.rejects(sink.putObject('k', 'v'), expectFailure('UNKNOWN', /Error Code: InvalidArgument/));
    assert.equal(srv.seen.length, 1);
    sink.destroy();
    await srv.close();
  });

  it('passes ExpectedBucketOwner and SSE on every request of a multipart upload, and aborts it on failure', async () => {
    const srv = await fakeS3((req, _b, n) => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url.includes('uploads')) {
        return { status: 200, body: `<InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>` };
      }
      if (req.method === 'PUT' && url.includes('partNumber=2')) return { status: 400, body: s3Error('InvalidPart', 'bad part', n) };
      if (req.method === 'PUT') return OK;
      if (req.method === 'DELETE') return { status: 204 };
      return { status: 400, body: s3Error('Unexpected', 'unexpected', n) };
    });
    const sink = sinkFor(srv.url, { expectedBucketOwner: '111122223333', sse: { algorithm: 'aws:kms', kmsKeyId: 'key-1' }, partSize: 5 * 1024 * 1024 });
    await assert.rejects(sink.upload('k', byteStream(11 * 1024 * 1024).stream), expectFailure('UNKNOWN', /InvalidPart/));
    const methods = srv.seen.map((s) => `${s.method} ${s.url.replace(/\?.*/, '')}${s.url.includes('uploads') ? '?uploads' : s.url.includes('partNumber') ? '?part' : ''}`);
    assert.ok(methods.includes(`POST /${BUCKET}/k?uploads`), methods.join('\n'));
    assert.ok(srv.seen.some((s) => s.method === 'DELETE' && s.url.includes('uploadId=UP1')), 'multipart upload aborted');
    assert.ok(!srv.seen.some((s) => s.method === 'DELETE' && !s.url.includes('uploadId')), 'no object deleted');
    for (const s of srv.seen) assert.equal(s.headers['x-amz-expected-bucket-owner'], '111122223333', `${s.method} ${s.url}`);
    const create = srv.seen.find((s) => s.method === 'POST')!;
    assert.equal(create.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(create.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'key-1');
    sink.destroy();
    await srv.close();
  });

  it('puts carry SSE, owner and Content-MD5 headers', async () => {
    const srv = await fakeS3(() => OK);
    const sink = sinkFor(srv.url, { expectedBucketOwner: '111122223333', sse: { algorithm: 'AES256' } });
    await sink.putObject('dir/manifest-summary.json', '{}');
    const put = srv.seen[0]!;
    assert.equal(put.method, 'PUT');
    assert.equal(put.url.replace(/\?.*/, ''), `/${BUCKET}/dir/manifest-summary.json`);
    assert.equal(put.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(put.headers['x-amz-expected-bucket-owner'], '111122223333');
    assert.equal(put.headers['content-md5'], md5Base64('{}'));
    sink.destroy();
    await srv.close();
  });

  it('rejects bad options', () => {
    assert.throws(() => new S3Sink({ bucket: '', region: 'us-east-1' }));
    assert.throws(() => new S3Sink({ bucket: 'b', region: 'us-east-1', expectedBucketOwner: '12' }));
    assert.throws(() => new S3Sink({ bucket: 'b', region: 'us-east-1', sse: { algorithm: 'AES256', kmsKeyId: 'k' } }));
  });
});
