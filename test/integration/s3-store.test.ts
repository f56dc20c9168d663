import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { awsCli, python } from '../helpers/clients.js';
import {
  OTHER,
  rawRequest,
  removeDir,
  s3,
  signRequest,
  signedChunkedBody,
  signedTrailerBody,
  startS3Server,
  tempDir,
  unsignedTrailerBody,
  xmlText,
  type S3Server,
} from './s3/helpers.js';

let server: S3Server;
let dataDir: string;
let client: S3Client;
let other: S3Client;

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** The SDK reports 304 as an error without a useful name; only the status matters. */
async function expectStatus(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (e: { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

async function expectS3Error(p: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<Error & Record<string, unknown>> {
  let caught: (Error & Record<string, unknown>) | undefined;
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } } & Record<string, unknown>) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught!;
}

before(async () => {
  dataDir = tempDir();
  server = await startS3Server(dataDir);
  client = s3(server.url);
  other = s3(server.url, { accessKeyId: OTHER.accessKeyId, secretAccessKey: OTHER.secretAccessKey });
});

after(async () => {
  client.destroy();
  other.destroy();
  await server.close();
  removeDir(dataDir);
});

describe('buckets', () => {
  test('create, head, list, location, re-create, delete', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    const head = await client.send(new HeadBucketCommand({ Bucket: 'alpha' }));
    assert.equal(head.BucketRegion, 'us-east-1');
    const list = await client.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === 'alpha' && b.CreationDate instanceof Date));
    assert.match(list.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    const loc = await client.send(new GetBucketLocationCommand({ Bucket: 'alpha' }));
    assert.equal(loc.LocationConstraint ?? '', '');
    // us-east-1 keeps answering 200 to re-creating your own bucket (legacy S3 behaviour).
    await client.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    // Other accounts do not see it and cannot take the name.
    const otherList = await other.send(new ListBucketsCommand({}));
    assert.ok(!otherList.Buckets?.some((b) => b.Name === 'alpha'));
    const e = await expectS3Error(other.send(new CreateBucketCommand({ Bucket: 'alpha' })), 'BucketAlreadyExists', 409);
    assert.equal(e.BucketName, 'alpha');
    await client.send(new DeleteBucketCommand({ Bucket: 'alpha' }));
    await expectS3Error(client.send(new HeadBucketCommand({ Bucket: 'alpha' })), 'NotFound', 404);
    await expectS3Error(client.send(new DeleteBucketCommand({ Bucket: 'alpha' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });

  test('location constraints and BucketAlreadyOwnedByYou outside us-east-1', async () => {
    const eu = s3(server.url, { region: 'eu-west-1' });
    try {
      await eu.send(new CreateBucketCommand({ Bucket: 'euro-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      const loc = await eu.send(new GetBucketLocationCommand({ Bucket: 'euro-bucket' }));
      assert.equal(loc.LocationConstraint, 'eu-west-1');
      await expectS3Error(
        eu.send(new CreateBucketCommand({ Bucket: 'euro-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
      // The SDK adds the client's region as LocationConstraint; without one, a eu-west-1 request is refused.
      const unspecified = await rawRequest(server.url, 'PUT', '/euro-two', signRequest(server.url, 'PUT', '/euro-two', '', {}, EMPTY_SHA256, undefined, 'eu-west-1').headers);
      assert.equal(unspecified.status, 400);
      assert.equal(xmlText(unspecified.body, 'Code'), 'IllegalLocationConstraintException');
      assert.equal(xmlText(unspecified.body, 'Message'), 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.');
      await expectS3Error(
        client.send(new CreateBucketCommand({ Bucket: 'euro-three', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
        'IllegalLocationConstraintException',
        400,
      );
      await eu.send(new DeleteBucketCommand({ Bucket: 'euro-bucket' }));
    } finally {
      eu.destroy();
    }
  });

  test('invalid bucket names', async () => {
    for (const name of ['Upper', 'ab', 'a..b', '192.168.1.1', '-dash', 'x'.repeat(64), 'under_score']) {
      const res = await rawRequest(server.url, 'PUT', `/${name}`, signRequest(server.url, 'PUT', `/${name}`, '', {}, EMPTY_SHA256).headers);
      assert.equal(res.status, 400, name);
      assert.equal(xmlText(res.body, 'Code'), 'InvalidBucketName');
      assert.equal(xmlText(res.body, 'Message'), 'The specified bucket is not valid.');
    }
  });

  test('BucketNotEmpty, then delete after emptying', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'full-bucket' }));
    await client.send(new PutObjectCommand({ Bucket: 'full-bucket', Key: 'x', Body: 'x' }));
    await expectS3Error(client.send(new DeleteBucketCommand({ Bucket: 'full-bucket' })), 'BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
    await client.send(new DeleteObjectCommand({ Bucket: 'full-bucket', Key: 'x' }));
    await client.send(new DeleteBucketCommand({ Bucket: 'full-bucket' }));
  });
});

describe('objects', () => {
  before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'objects' }));
  });

  test('put, get, head: etag, metadata, content type, default SSE', async () => {
    const body = 'hello, strata';
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'dir/hello.txt', Body: body, ContentType: 'text/plain', Metadata: { owner: 'me', 'Mixed-Case': 'v' }, CacheControl: 'max-age=60' }),
    );
    assert.equal(put.ETag, `"${md5(body)}"`);
    assert.equal(put.ServerSideEncryption, 'AES256');
    const get = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dir/hello.txt' }));
    assert.equal(await get.Body!.transformToString(), body);
    assert.equal(get.ContentType, 'text/plain');
    assert.equal(get.ContentLength, body.length);
    assert.equal(get.ETag, `"${md5(body)}"`);
    assert.equal(get.CacheControl, 'max-age=60');
    assert.deepEqual(get.Metadata, { owner: 'me', 'mixed-case': 'v' });
    assert.equal(get.ServerSideEncryption, 'AES256');
    assert.ok(get.LastModified instanceof Date);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dir/hello.txt' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, `"${md5(body)}"`);
    // No Content-Type given (the SDK always sends one, so use the raw wire): S3's default.
    const put3 = await rawRequest(server.url, 'PUT', '/objects/untyped', signRequest(server.url, 'PUT', '/objects/untyped', '', { 'content-length': '3' }, 'UNSIGNED-PAYLOAD').headers, Buffer.from([1, 2, 3]));
    assert.equal(put3.status, 200);
    const untyped = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'untyped' }));
    assert.equal(untyped.ContentType, 'binary/octet-stream');
    // Empty object.
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'empty', Body: '' }));
    const empty = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'empty' }));
    assert.equal((await empty.Body!.transformToByteArray()).length, 0);
    assert.equal(empty.ETag, `"${md5('')}"`);
  });

  test('SSE-KMS is recorded and echoed; bad SSE values are rejected', async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'kms', Body: 'secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }),
    );
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'kms' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const managed = await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'kms-default', Body: 'x', ServerSideEncryption: 'aws:kms' }));
    assert.match(managed.SSEKMSKeyId ?? '', /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    await expectS3Error(
      client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad-sse', Body: 'x', ServerSideEncryption: 'DES' as 'AES256' })),
      'InvalidArgument',
      400,
      'The encryption method specified is not supported',
    );
  });

  test('ranges, part numbers and conditional reads', async () => {
    const data = randomBytes(1000);
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'ranged', Body: data }));
    const r1 = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: 'bytes=10-19' }));
    assert.equal(r1.$metadata.httpStatusCode, 206);
    assert.equal(r1.ContentRange, 'bytes 10-19/1000');
    assert.deepEqual(Buffer.from(await r1.Body!.transformToByteArray()), data.subarray(10, 20));
    const r2 = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: 'bytes=-5' }));
    assert.deepEqual(Buffer.from(await r2.Body!.transformToByteArray()), data.subarray(995));
    const r3 = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: 'bytes=990-5000' }));
    assert.equal(r3.ContentRange, 'bytes 990-999/1000');
    assert.equal(r3.ContentLength, 10);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: 'bytes=1000-' })), 'InvalidRange', 416);
    const etag = `"${md5(data)}"`;
    await expectStatus(client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', IfNoneMatch: etag })), 304);
    await expectStatus(client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'ranged', IfNoneMatch: etag })), 304);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', IfMatch: '"0000"' })), 'PreconditionFailed', 412);
    await expectStatus(client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'ranged', IfMatch: '"0000"' })), 412);
    const ok = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', IfMatch: etag, IfModifiedSince: new Date(0) }));
    assert.equal(ok.ContentLength, 1000);
    await ok.Body!.transformToByteArray();
    const notMod = await rawRequest(server.url, 'GET', '/objects/ranged', signRequest(server.url, 'GET', '/objects/ranged', '', { 'if-modified-since': new Date().toUTCString() }, EMPTY_SHA256).headers);
    assert.equal(notMod.status, 304);
    assert.equal(notMod.headers.etag, etag);
    const p1 = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', PartNumber: 1 }));
    assert.equal(p1.ContentLength, 1000);
    await p1.Body!.transformToByteArray();
  });

  test('conditional writes: If-None-Match: *', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'second', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    const got = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'once' }));
    assert.equal(await got.Body!.transformToString(), 'first');
  });

  test('Content-MD5 and flexible checksums are verified; checksum mode returns them', async () => {
    const good = Buffer.from('checksummed');
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'md5', Body: good, ContentMD5: createHash('md5').update(good).digest('base64') }));
    await expectS3Error(
      client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'md5', Body: good, ContentMD5: createHash('md5').update('other').digest('base64') })),
      'BadDigest',
      400,
      'The Content-MD5 you specified did not match what we received.',
    );
    for (const alg of ['CRC32C', 'SHA256', 'SHA1', 'CRC64NVME'] as const) {
      const put = await client.send(new PutObjectCommand({ Bucket: 'objects', Key: `ck-${alg}`, Body: good, ChecksumAlgorithm: alg }));
      const field = `Checksum${alg}` as 'ChecksumCRC32C';
      assert.ok(put[field], `${alg} echoed`);
      const head = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: `ck-${alg}`, ChecksumMode: 'ENABLED' }));
      assert.equal(head[field], put[field]);
    }
    const sha = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'ck-SHA256', ChecksumMode: 'ENABLED' }));
    assert.equal(sha.ChecksumSHA256, createHash('sha256').update(good).digest('base64'));
    const crc = await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'crc-known', Body: good, ChecksumCRC32: crcBase64(good) }));
    assert.equal(crc.ChecksumCRC32, crcBase64(good));
    await expectS3Error(
      client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'crc-bad', Body: good, ChecksumCRC32: crcBase64(Buffer.from('nope')) })),
      'BadDigest',
      400,
      'The CRC32 you specified did not match the calculated checksum.',
    );
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'crc-bad' })), 'NotFound', 404);
  });

  test('NoSuchKey, NoSuchBucket and delete semantics', async () => {
    const e = await expectS3Error(client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'missing' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    assert.equal(e.Key, 'missing');
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'missing' })), 'NotFound', 404);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })), 'NoSuchBucket', 404);
    // Deleting a missing key succeeds, as S3 does.
    const del = await client.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'missing' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
  });

  test('DeleteObjects (verbose and quiet)', async () => {
    for (const k of ['d/1', 'd/2', 'd/3']) await client.send(new PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    const res = await client.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/2' }, { Key: 'd/none' }] } }));
    assert.deepEqual(res.Deleted?.map((d) => d.Key).sort(), ['d/1', 'd/2', 'd/none']);
    const quiet = await client.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'd/3' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'd/' }));
    assert.equal(left.KeyCount, 0);
  });

  test('CopyObject: COPY and REPLACE metadata, copy onto itself', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'src', Body: 'copy me', ContentType: 'text/x-src', Metadata: { a: '1' } }));
    const c1 = await client.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'dst', CopySource: 'objects/src' }));
    assert.equal(c1.CopyObjectResult?.ETag, `"${md5('copy me')}"`);
    const h1 = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dst' }));
    assert.equal(h1.ContentType, 'text/x-src');
    assert.deepEqual(h1.Metadata, { a: '1' });
    await client.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'dst2', CopySource: 'objects/src', MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { b: '2' } }));
    const h2 = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dst2' }));
    assert.equal(h2.ContentType, 'text/x-new');
    assert.deepEqual(h2.Metadata, { b: '2' });
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'src', CopySource: 'objects/src' })), 'InvalidRequest', 400, /copy an object to itself/);
    // Overwriting the source leaves the copy intact (copies share no mutable state).
    await client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'src', Body: 'changed' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dst' }));
    assert.equal(await got.Body!.transformToString(), 'copy me');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/nothing' })), 'NoSuchKey', 404);
  });

  test('keys with special characters round-trip', async () => {
    const keys = ['a b+c', 'ünïcødé/ключ', 'q?x=1&y=2', 'percent%20literal', 'trailing/', '/leading', 'emoji-😀', 'a//b'];
    for (const k of keys) await client.send(new PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    for (const k of keys) {
      const got = await client.send(new GetObjectCommand({ Bucket: 'objects', Key: k }));
      assert.equal(await got.Body!.transformToString(), k);
    }
  });
});

function crcBase64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString('base64');
}

describe('listing', () => {
  const keys = ['a', 'a/b/c', 'a/b/d', 'a/c', 'b', 'b/x', 'c/1', 'c/2', 'c/3', '\uFF5E', '😀', 'é'];
  before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const k of keys) await client.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  });

  test('ListObjectsV2 is in UTF-8 byte order', async () => {
    const res = await client.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(res.Contents?.map((c) => c.Key), expected);
    // UTF-16 order would put the emoji (a surrogate pair) before U+FF5E; UTF-8 order does not.
    assert.ok(expected.indexOf('\uFF5E') < expected.indexOf('😀'));
    assert.equal(res.KeyCount, keys.length);
    assert.equal(res.IsTruncated, false);
    const first = res.Contents![0]!;
    assert.equal(first.Size, 1);
    assert.equal(first.StorageClass, 'STANDARD');
    assert.equal(first.ETag, `"${md5('a')}"`);
  });

  test('delimiter, prefix, CommonPrefixes and pagination through prefixes', async () => {
    const top = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/', 'c/']);
    assert.deepEqual(top.Contents?.map((c) => c.Key), ['a', 'b', 'é', '\uFF5E', '😀']);
    const ab = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(ab.CommonPrefixes?.map((p) => p.Prefix), ['a/b/']);
    assert.deepEqual(ab.Contents?.map((c) => c.Key), ['a/c']);
    // Two entries per page: keys and common prefixes count alike, and a prefix is never repeated.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      pages++;
      assert.ok((page.KeyCount ?? 0) <= 2);
      for (const c of page.Contents ?? []) seen.push(c.Key!);
      for (const p of page.CommonPrefixes ?? []) seen.push(p.Prefix!);
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
    } while (token);
    assert.equal(pages, 4);
    assert.deepEqual(seen.sort(), ['a', 'a/', 'b', 'b/', 'c/', 'é', '\uFF5E', '😀'].sort());
  });

  test('start-after, fetch-owner, max-keys 0 and encoding-type=url', async () => {
    const res = await client.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/x', FetchOwner: true }));
    assert.deepEqual(res.Contents?.slice(0, 3).map((c) => c.Key), ['c/1', 'c/2', 'c/3']);
    assert.match(res.Contents![0]!.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    const none = await client.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 0 }));
    assert.equal(none.KeyCount, 0);
    await client.send(new PutObjectCommand({ Bucket: 'listing', Key: 'sp ace+plus', Body: '' }));
    const enc = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'sp', EncodingType: 'url' }));
    assert.equal(enc.Contents?.[0]?.Key, 'sp+ace%2Bplus');
    await client.send(new DeleteObjectCommand({ Bucket: 'listing', Key: 'sp ace+plus' }));
  });

  test('ListObjects v1 with marker and NextMarker', async () => {
    const p1 = await client.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
    assert.deepEqual(p1.Contents?.map((c) => c.Key), ['a', 'a/b/c', 'a/b/d']);
    assert.equal(p1.IsTruncated, true);
    assert.ok(p1.Contents![0]!.Owner?.ID);
    const p2 = await client.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3, Marker: 'a/b/d' }));
    assert.deepEqual(p2.Contents?.map((c) => c.Key), ['a/c', 'b', 'b/x']);
    const d = await client.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }));
    assert.equal(d.NextMarker, 'a/');
    const d2 = await client.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, Marker: d.NextMarker }));
    assert.deepEqual([...(d2.Contents ?? []).map((c) => c.Key), ...(d2.CommonPrefixes ?? []).map((p) => p.Prefix)], ['b', 'b/']);
  });
});

describe('multipart', () => {
  before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'multi' }));
  });

  test('lib-storage Upload of ~12 MiB, ranged reads across parts, partNumber', async () => {
    const size = 12 * 1024 * 1024 + 12345;
    const data = randomBytes(size);
    const upload = new Upload({
      client,
      params: { Bucket: 'multi', Key: 'big.bin', Body: Readable.from(chunksOf(data, 256 * 1024)), ContentType: 'application/x-big', Metadata: { kind: 'mp' } },
      partSize: 5 * 1024 * 1024,
      queueSize: 3,
    });
    const done = await upload.done();
    const partMd5s = [0, 1, 2].map((i) => createHash('md5').update(data.subarray(i * 5 * 1024 * 1024, (i + 1) * 5 * 1024 * 1024)).digest());
    const expectedEtag = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`;
    assert.equal(done.ETag, expectedEtag);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'multi', Key: 'big.bin' }));
    assert.equal(head.ContentLength, size);
    assert.equal(head.ETag, expectedEtag);
    assert.equal(head.ContentType, 'application/x-big');
    assert.deepEqual(head.Metadata, { kind: 'mp' });
    const boundary = 5 * 1024 * 1024;
    const r = await client.send(new GetObjectCommand({ Bucket: 'multi', Key: 'big.bin', Range: `bytes=${boundary - 100}-${boundary + 99}` }));
    assert.deepEqual(Buffer.from(await r.Body!.transformToByteArray()), data.subarray(boundary - 100, boundary + 100));
    const p2 = await client.send(new GetObjectCommand({ Bucket: 'multi', Key: 'big.bin', PartNumber: 2 }));
    assert.equal(p2.PartsCount, 3);
    assert.equal(p2.ContentLength, boundary);
    assert.deepEqual(Buffer.from(await p2.Body!.transformToByteArray()), data.subarray(boundary, 2 * boundary));
    const whole = await client.send(new GetObjectCommand({ Bucket: 'multi', Key: 'big.bin' }));
    const got = Buffer.from(await whole.Body!.transformToByteArray());
    assert.equal(md5(got), md5(data));
  });

  test('ListParts, ListMultipartUploads, Abort, NoSuchUpload', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'aborted' }));
    assert.ok(UploadId);
    await client.send(new UploadPartCommand({ Bucket: 'multi', Key: 'aborted', UploadId, PartNumber: 1, Body: 'part one' }));
    await client.send(new UploadPartCommand({ Bucket: 'multi', Key: 'aborted', UploadId, PartNumber: 2, Body: 'part two!' }));
    const parts = await client.send(new ListPartsCommand({ Bucket: 'multi', Key: 'aborted', UploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), [
      [1, 8, `"${md5('part one')}"`],
      [2, 9, `"${md5('part two!')}"`],
    ]);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'multi' }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === UploadId && u.Key === 'aborted'));
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'multi', Key: 'aborted', UploadId }));
    await expectS3Error(client.send(new ListPartsCommand({ Bucket: 'multi', Key: 'aborted', UploadId })), 'NoSuchUpload', 404);
    await expectS3Error(
      client.send(new UploadPartCommand({ Bucket: 'multi', Key: 'aborted', UploadId, PartNumber: 3, Body: 'late' })),
      'NoSuchUpload',
      404,
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    );
    await expectS3Error(client.send(new AbortMultipartUploadCommand({ Bucket: 'multi', Key: 'aborted', UploadId: 'nope' })), 'NoSuchUpload', 404);
  });

  test('CompleteMultipartUpload errors: EntityTooSmall, InvalidPart, InvalidPartOrder', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'small' }));
    const e1 = await client.send(new UploadPartCommand({ Bucket: 'multi', Key: 'small', UploadId, PartNumber: 1, Body: 'tiny' }));
    const e2 = await client.send(new UploadPartCommand({ Bucket: 'multi', Key: 'small', UploadId, PartNumber: 2, Body: 'last' }));
    await expectS3Error(
      client.send(new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'small', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }] } })),
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed size',
    );
    await expectS3Error(
      client.send(new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'small', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"deadbeef"' }] } })),
      'InvalidPart',
      400,
    );
    await expectS3Error(
      client.send(new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'small', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2.ETag }, { PartNumber: 1, ETag: e1.ETag }] } })),
      'InvalidPartOrder',
      400,
    );
    // A single (last) part may be small.
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'multi', Key: 'small', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2.ETag }] } }));
    assert.equal(done.ETag, `"${md5(Buffer.from(md5('last'), 'hex'))}-1"`);
    const got = await client.send(new GetObjectCommand({ Bucket: 'multi', Key: 'small' }));
    assert.equal(await got.Body!.transformToString(), 'last');
  });

  test('UploadPartCopy with a source range', async () => {
    const src = randomBytes(6 * 1024 * 1024);
    await client.send(new PutObjectCommand({ Bucket: 'multi', Key: 'copy-src', Body: src }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multi', Key: 'copy-dst' }));
    const p1 = await client.send(new UploadPartCopyCommand({ Bucket: 'multi', Key: 'copy-dst', UploadId, PartNumber: 1, CopySource: 'multi/copy-src', CopySourceRange: `bytes=0-${5 * 1024 * 1024 - 1}` }));
    const p2 = await client.send(new UploadPartCopyCommand({ Bucket: 'multi', Key: 'copy-dst', UploadId, PartNumber: 2, CopySource: 'multi/copy-src', CopySourceRange: `bytes=${5 * 1024 * 1024}-${src.length - 1}` }));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multi',
        Key: 'copy-dst',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'multi', Key: 'copy-dst' }));
    assert.equal(md5(Buffer.from(await got.Body!.transformToByteArray())), md5(src));
  });
});

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('access control and authentication', () => {
  before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'private' }));
    await client.send(new PutObjectCommand({ Bucket: 'private', Key: 'k', Body: 'mine' }));
  });

  test('ExpectedBucketOwner must match the owning account', async () => {
    const ok = await client.send(new GetObjectCommand({ Bucket: 'private', Key: 'k', ExpectedBucketOwner: '000000000000' }));
    await ok.Body!.transformToString();
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: 'private', Key: 'k', ExpectedBucketOwner: '999999999999' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: 'private', Key: 'k2', Body: 'x', ExpectedBucketOwner: '111111111111' })), 'AccessDenied', 403);
    await expectS3Error(client.send(new ListObjectsV2Command({ Bucket: 'private', ExpectedBucketOwner: '111111111111' })), 'AccessDenied', 403);
  });

  test('another account is denied everything in the bucket', async () => {
    await expectS3Error(other.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new PutObjectCommand({ Bucket: 'private', Key: 'k', Body: 'theirs' })), 'AccessDenied', 403);
    await expectS3Error(other.send(new ListObjectsV2Command({ Bucket: 'private' })), 'AccessDenied', 403);
    await expectS3Error(other.send(new DeleteObjectCommand({ Bucket: 'private', Key: 'k' })), 'AccessDenied', 403);
    await expectS3Error(other.send(new DeleteBucketCommand({ Bucket: 'private' })), 'AccessDenied', 403);
    await expectS3Error(other.send(new CopyObjectCommand({ Bucket: 'private', Key: 'c', CopySource: 'private/k' })), 'AccessDenied', 403);
    const still = await client.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' }));
    assert.equal(await still.Body!.transformToString(), 'mine');
  });

  test('a known key with the wrong secret: SignatureDoesNotMatch', async () => {
    const bad = s3(server.url, { accessKeyId: 'test', secretAccessKey: 'wrong' });
    try {
      await expectS3Error(
        bad.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })),
        'SignatureDoesNotMatch',
        403,
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
      await expectS3Error(bad.send(new PutObjectCommand({ Bucket: 'private', Key: 'k', Body: 'forged' })), 'SignatureDoesNotMatch', 403);
    } finally {
      bad.destroy();
    }
  });

  test('anonymous requests are denied; errors are AWS XML with request ids', async () => {
    const res = await rawRequest(server.url, 'GET', '/private/k', {});
    assert.equal(res.status, 403);
    assert.equal(xmlText(res.body, 'Code'), 'AccessDenied');
    assert.equal(xmlText(res.body, 'Message'), 'Access Denied');
    assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
    assert.ok(res.headers['x-amz-id-2']);
    assert.equal(xmlText(res.body, 'RequestId'), res.headers['x-amz-request-id']);
    const signed = signRequest(server.url, 'GET', '/nowhere/key', '', {}, EMPTY_SHA256);
    const missing = await rawRequest(server.url, 'GET', '/nowhere/key', signed.headers);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'application/xml');
    assert.equal(xmlText(missing.body, 'Code'), 'NoSuchBucket');
    assert.equal(xmlText(missing.body, 'BucketName'), 'nowhere');
    assert.equal(xmlText(missing.body, 'Resource'), '/nowhere/key');
  });

  test('unknown keys in strict mode: InvalidAccessKeyId', async () => {
    const dir = tempDir();
    const strict = await startS3Server(dir, false);
    const stranger = s3(strict.url, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
    try {
      await expectS3Error(stranger.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
    } finally {
      stranger.destroy();
      await strict.close();
      removeDir(dir);
    }
  });
});

describe('payload encodings on the wire', () => {
  before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'wire' }));
  });

  test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: chunks decoded and their signatures verified', async () => {
    const data = randomBytes(200_000);
    const encodedLength = signedChunkedBody(data, 64 * 1024, { seedSignature: '0'.repeat(64), amzDate: '', scope: '', signingKey: Buffer.alloc(32), headers: {} }).length;
    const s = signRequest(server.url, 'PUT', '/wire/chunked', '', {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'content-length': String(encodedLength),
      'content-type': 'application/x-chunked',
    }, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const res = await rawRequest(server.url, 'PUT', '/wire/chunked', s.headers, signedChunkedBody(data, 64 * 1024, s));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers.etag, `"${md5(data)}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: 'wire', Key: 'chunked' }));
    assert.equal(got.ContentEncoding, undefined, 'aws-chunked is a transfer coding, not stored');
    assert.equal(got.ContentType, 'application/x-chunked');
    assert.equal(md5(Buffer.from(await got.Body!.transformToByteArray())), md5(data));

    const s2 = signRequest(server.url, 'PUT', '/wire/forged', '', {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'content-length': String(encodedLength),
    }, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const forged = await rawRequest(server.url, 'PUT', '/wire/forged', s2.headers, signedChunkedBody(data, 64 * 1024, s2, 1));
    assert.equal(forged.status, 403);
    assert.equal(xmlText(forged.body, 'Code'), 'SignatureDoesNotMatch');
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: 'wire', Key: 'forged' })), 'NotFound', 404);
  });

  test('STREAMING-UNSIGNED-PAYLOAD-TRAILER: trailer checksum verified', async () => {
    const data = randomBytes(70_000);
    const body = unsignedTrailerBody(data, 32 * 1024, 'x-amz-checksum-crc32', crcBase64(data));
    const s = signRequest(server.url, 'PUT', '/wire/trailer', '', {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-length': String(body.length),
    }, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const res = await rawRequest(server.url, 'PUT', '/wire/trailer', s.headers, body);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['x-amz-checksum-crc32'], crcBase64(data));
    const bad = unsignedTrailerBody(data, 32 * 1024, 'x-amz-checksum-crc32', crcBase64(Buffer.from('x')));
    const s2 = signRequest(server.url, 'PUT', '/wire/trailer-bad', '', {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-length': String(bad.length),
    }, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const res2 = await rawRequest(server.url, 'PUT', '/wire/trailer-bad', s2.headers, bad);
    assert.equal(res2.status, 400);
    assert.equal(xmlText(res2.body, 'Code'), 'BadDigest');
  });

  test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks and a signed checksum trailer', async () => {
    const data = randomBytes(100_000);
    const headersFor = (key: string, length: number): ReturnType<typeof signRequest> =>
      signRequest(server.url, 'PUT', `/wire/${key}`, '', {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-sha256',
        'content-length': String(length),
      }, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER');
    const sha = createHash('sha256').update(data).digest('base64');
    const dummy = { seedSignature: '0'.repeat(64), amzDate: '', scope: '', signingKey: Buffer.alloc(32), headers: {} };
    const length = signedTrailerBody(data, 65536, dummy, 'x-amz-checksum-sha256', sha).length;
    const s1 = headersFor('signed-trailer', length);
    const ok = await rawRequest(server.url, 'PUT', '/wire/signed-trailer', s1.headers, signedTrailerBody(data, 65536, s1, 'x-amz-checksum-sha256', sha));
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(ok.headers['x-amz-checksum-sha256'], sha);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'wire', Key: 'signed-trailer', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, sha);
    assert.equal(head.ContentLength, data.length);
    const s2 = headersFor('signed-trailer-bad', length);
    const bad = await rawRequest(server.url, 'PUT', '/wire/signed-trailer-bad', s2.headers, signedTrailerBody(data, 65536, s2, 'x-amz-checksum-sha256', sha, true));
    assert.equal(bad.status, 403);
    assert.equal(xmlText(bad.body, 'Code'), 'SignatureDoesNotMatch');
  });

  test('a rejected upload is drained and the connection stays usable', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const s1 = signRequest(server.url, 'PUT', '/no-such-bucket-here/k', '', { 'content-length': String(data.length) }, 'UNSIGNED-PAYLOAD');
    const res = await rawRequest(server.url, 'PUT', '/no-such-bucket-here/k', s1.headers, data);
    assert.equal(res.status, 404);
    assert.equal(xmlText(res.body, 'Code'), 'NoSuchBucket');
    assert.notEqual(res.headers.connection, 'close');
    const s2 = signRequest(server.url, 'GET', '/wire', 'list-type=2', {}, EMPTY_SHA256);
    const list = await rawRequest(server.url, 'GET', '/wire?list-type=2', s2.headers);
    assert.equal(list.status, 200);
  });

  test('UNSIGNED-PAYLOAD and a lying x-amz-content-sha256', async () => {
    const data = Buffer.from('unsigned body');
    const s = signRequest(server.url, 'PUT', '/wire/unsigned', '', { 'content-length': String(data.length) }, 'UNSIGNED-PAYLOAD');
    const res = await rawRequest(server.url, 'PUT', '/wire/unsigned', s.headers, data);
    assert.equal(res.status, 200);
    const lie = createHash('sha256').update('something else').digest('hex');
    const s2 = signRequest(server.url, 'PUT', '/wire/lie', '', { 'content-length': String(data.length) }, lie);
    const res2 = await rawRequest(server.url, 'PUT', '/wire/lie', s2.headers, data);
    assert.equal(res2.status, 400);
    assert.equal(xmlText(res2.body, 'Code'), 'XAmzContentSHA256Mismatch');
  });
});

describe('aws CLI', () => {
  test('mb, cp (small and multipart), ls, head-object, cp back, rm, rb', async () => {
    const dir = tempDir('strata-s3-cli-');
    try {
      const small = join(dir, 'small.txt');
      const big = join(dir, 'big.bin');
      writeFileSync(small, 'small file\n');
      const bigData = randomBytes(9 * 1024 * 1024 + 17);
      writeFileSync(big, bigData);
      const run = async (args: string[]): Promise<string> => {
        const r = await awsCli(server.url, args);
        assert.equal(r.code, 0, `aws ${args.join(' ')}\n${r.stderr}`);
        return r.stdout;
      };
      await run(['s3', 'mb', 's3://cli-bucket']);
      await run(['s3', 'cp', small, 's3://cli-bucket/docs/small.txt']);
      await run(['s3', 'cp', big, 's3://cli-bucket/data/big.bin', '--sse', 'aws:kms', '--sse-kms-key-id', 'my-key']);
      const ls = await run(['s3', 'ls', 's3://cli-bucket']);
      assert.match(ls, /PRE data\//);
      assert.match(ls, /PRE docs\//);
      const rec = await run(['s3', 'ls', 's3://cli-bucket', '--recursive']);
      assert.match(rec, new RegExp(`${bigData.length} data/big\\.bin`));
      assert.match(rec, /11 docs\/small\.txt/);
      const head = JSON.parse(await run(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'data/big.bin'])) as Record<string, unknown>;
      assert.equal(head.ContentLength, bigData.length);
      assert.match(String(head.ETag), /^"[0-9a-f]{32}-2"$/);
      assert.equal(head.ServerSideEncryption, 'aws:kms');
      assert.equal(head.SSEKMSKeyId, 'arn:aws:kms:us-east-1:000000000000:key/my-key');
      const back = join(dir, 'back.bin');
      await run(['s3', 'cp', 's3://cli-bucket/data/big.bin', back]);
      assert.equal(md5(readFileSync(back)), md5(bigData));
      const url = (await run(['s3', 'presign', 's3://cli-bucket/docs/small.txt', '--expires-in', '300'])).trim();
      const fetched = await fetch(url);
      assert.equal(fetched.status, 200, url);
      assert.equal(await fetched.text(), 'small file\n');
      const missing = await awsCli(server.url, ['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'nope']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /404/);
      const rb = await awsCli(server.url, ['s3', 'rb', 's3://cli-bucket']);
      assert.notEqual(rb.code, 0);
      assert.match(rb.stderr, /BucketNotEmpty/);
      await run(['s3', 'rm', 's3://cli-bucket', '--recursive']);
      await run(['s3', 'rb', 's3://cli-bucket']);
      const gone = await awsCli(server.url, ['s3', 'ls', 's3://cli-bucket']);
      assert.match(gone.stderr, /NoSuchBucket/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('boto3', () => {
  test('put/get/list/multipart/presigned URL/errors', async () => {
    const script = `
import boto3, json, os, hashlib, urllib.request
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
url = os.environ['STRATA_URL']
s3 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', config=boto3.session.Config(s3={'addressing_style': 'path'}))
out = {}
s3.create_bucket(Bucket='boto-bucket')
r = s3.put_object(Bucket='boto-bucket', Key='k1', Body=b'boto body', Metadata={'x': 'y'}, ServerSideEncryption='aws:kms')
out['put_sse'] = r['ServerSideEncryption']
g = s3.get_object(Bucket='boto-bucket', Key='k1')
out['body'] = g['Body'].read().decode()
out['meta'] = g['Metadata']
for i in range(5):
    s3.put_object(Bucket='boto-bucket', Key='p/%d' % i, Body=b'x')
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='boto-bucket', Prefix='p/', PaginationConfig={'PageSize': 2}):
    keys += [c['Key'] for c in page.get('Contents', [])]
out['paged'] = keys
data = os.urandom(11 * 1024 * 1024)
with open('/tmp/strata-boto-up.bin', 'wb') as f: f.write(data)
s3.upload_file('/tmp/strata-boto-up.bin', 'boto-bucket', 'mp.bin', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
s3.download_file('boto-bucket', 'mp.bin', '/tmp/strata-boto-down.bin', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
out['mp_same'] = open('/tmp/strata-boto-down.bin', 'rb').read() == data
out['mp_etag'] = s3.head_object(Bucket='boto-bucket', Key='mp.bin')['ETag']
os.remove('/tmp/strata-boto-up.bin'); os.remove('/tmp/strata-boto-down.bin')
presigned = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto-bucket', 'Key': 'k1', 'ResponseContentType': 'text/x-override'}, ExpiresIn=300)
out['presigned_v2'] = 'AWSAccessKeyId=' in presigned
resp = urllib.request.urlopen(presigned)
out['presigned'] = [resp.read().decode(), resp.headers['Content-Type']]
try:
    urllib.request.urlopen(presigned.replace('Signature=', 'Signature=0'))
except urllib.error.HTTPError as e:
    out['presigned_bad'] = e.code
v4 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', config=boto3.session.Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
p4 = v4.generate_presigned_url('get_object', Params={'Bucket': 'boto-bucket', 'Key': 'k1'}, ExpiresIn=300)
out['presigned_v4'] = ['X-Amz-Algorithm=AWS4-HMAC-SHA256' in p4, urllib.request.urlopen(p4).read().decode()]
put_url = v4.generate_presigned_url('put_object', Params={'Bucket': 'boto-bucket', 'Key': 'via-presigned-put'}, ExpiresIn=300)
urllib.request.urlopen(urllib.request.Request(put_url, data=b'uploaded via URL', method='PUT'))
out['presigned_put'] = s3.get_object(Bucket='boto-bucket', Key='via-presigned-put')['Body'].read().decode()
try:
    s3.get_object(Bucket='boto-bucket', Key='missing')
except ClientError as e:
    out['nokey'] = [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
try:
    s3.head_bucket(Bucket='boto-none', ExpectedBucketOwner='000000000000')
except ClientError as e:
    out['nobucket'] = e.response['ResponseMetadata']['HTTPStatusCode']
try:
    s3.list_objects_v2(Bucket='boto-bucket', ExpectedBucketOwner='123456789012')
except ClientError as e:
    out['owner'] = e.response['Error']['Code']
v2 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', config=boto3.session.Config(signature_version='s3', s3={'addressing_style': 'path'}))
v2.put_object(Bucket='boto-bucket', Key='sigv2 key', Body=b'signed with v2', ContentType='text/plain')
out['sigv2'] = v2.get_object(Bucket='boto-bucket', Key='sigv2 key')['Body'].read().decode()
bad2 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='wrong', config=boto3.session.Config(signature_version='s3', s3={'addressing_style': 'path'}))
try:
    bad2.get_object(Bucket='boto-bucket', Key='sigv2 key')
except ClientError as e:
    out['sigv2_bad'] = e.response['Error']['Code']
d = s3.delete_objects(Bucket='boto-bucket', Delete={'Objects': [{'Key': 'p/%d' % i} for i in range(5)]})
out['deleted'] = len(d['Deleted'])
print(json.dumps(out))
`;
    const r = await python(server.url, script);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.put_sse, 'aws:kms');
    assert.equal(out.body, 'boto body');
    assert.deepEqual(out.meta, { x: 'y' });
    assert.deepEqual(out.paged, ['p/0', 'p/1', 'p/2', 'p/3', 'p/4']);
    assert.equal(out.mp_same, true);
    assert.match(String(out.mp_etag), /^"[0-9a-f]{32}-3"$/);
    assert.equal(out.presigned_v2, true);
    assert.deepEqual(out.presigned, ['boto body', 'text/x-override']);
    assert.deepEqual(out.presigned_v4, [true, 'boto body']);
    assert.equal(out.presigned_put, 'uploaded via URL');
    assert.equal(out.presigned_bad, 403);
    assert.deepEqual(out.nokey, ['NoSuchKey', 'The specified key does not exist.', 404]);
    assert.equal(out.nobucket, 404);
    assert.equal(out.owner, 'AccessDenied');
    assert.equal(out.deleted, 5);
    assert.equal(out.sigv2, 'signed with v2');
    assert.equal(out.sigv2_bad, 'SignatureDoesNotMatch');
  });
});

describe('durability', () => {
  test('objects survive a restart on the same data directory; replaced bodies leave no files behind', async () => {
    const dir = tempDir();
    let srv = await startS3Server(dir);
    let c = s3(srv.url);
    try {
      await c.send(new CreateBucketCommand({ Bucket: 'durable' }));
      for (let i = 0; i < 3; i++) await c.send(new PutObjectCommand({ Bucket: 'durable', Key: 'same', Body: `version ${i}` }));
      await c.send(new PutObjectCommand({ Bucket: 'durable', Key: 'other', Body: 'other' }));
      await c.send(new DeleteObjectCommand({ Bucket: 'durable', Key: 'other' }));
      const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: 'durable', Key: 'pending' }));
      await c.send(new UploadPartCommand({ Bucket: 'durable', Key: 'pending', UploadId, PartNumber: 1, Body: 'pending part' }));
      c.destroy();
      await srv.close();
      assert.ok(existsSync(join(dir, 's3', 'meta.db')));
      srv = await startS3Server(dir);
      c = s3(srv.url);
      const got = await c.send(new GetObjectCommand({ Bucket: 'durable', Key: 'same' }));
      assert.equal(await got.Body!.transformToString(), 'version 2');
      const parts = await c.send(new ListPartsCommand({ Bucket: 'durable', Key: 'pending', UploadId }));
      assert.equal(parts.Parts?.length, 1);
      // One blob for 'same' and one for the pending part; nothing else.
      const objectsDir = join(dir, 's3', 'objects');
      const files = readdirSync(objectsDir).flatMap((d) => readdirSync(join(objectsDir, d)));
      assert.equal(files.length, 2);
      assert.deepEqual(readdirSync(join(dir, 's3', 'tmp')), []);
    } finally {
      c.destroy();
      await srv.close();
      removeDir(dir);
    }
  });
});
