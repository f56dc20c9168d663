import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Sha256 } from '../../src/pitr/admin-client.js';
import { dynamo } from '../helpers/clients.js';
import { startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

/**
 * The lean HTTP path (src/server/lean-http.ts) against node's own: the same bytes on the wire for DynamoDB
 * requests, and connections handed to node:http for everything else, mid-connection included.
 */

type Reply = { head: string; status: number; headers: Array<[string, string]>; body: string };

/** Reads HTTP/1.1 responses with a Content-Length (or none, for 100 Continue) off a socket. */
class RawConnection {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res(new RawConnection(s)));
      s.once('error', rej);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buf.toString())}`);
    await new Promise<void>((r) => this.waiters.push(r));
  }

  async reply(): Promise<Reply> {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buf.subarray(0, end).toString('latin1');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]);
        const cl = headers.find(([k]) => k.toLowerCase() === 'content-length');
        const len = cl ? Number(cl[1]) : 0;
        if (this.buf.length >= end + 4 + len) {
          const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + len);
          return { head, status: Number(statusLine!.split(' ')[1]), headers, body };
        }
      }
      await this.more();
    }
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
}

/** Header names in order, with the values that do not change between two answers. */
function shape(r: Reply): string[] {
  return r.headers.map(([k, v]) => (/^(date|x-amzn-requestid|x-amz-crc32|content-length)$/i.test(k) ? k : `${k}: ${v}`));
}

async function signedRequest(port: number, service: string, method: string, path: string, headers: Record<string, string>, body: string): Promise<string> {
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, sha256: Sha256 });
  const host = `127.0.0.1:${port}`;
  const signed = await signer.sign({
    method, protocol: 'http:', hostname: '127.0.0.1', port, path,
    headers: { host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), ...headers },
    body,
  });
  let text = `${method} ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(signed.headers)) text += `${k}: ${v}\r\n`;
  return text;
}

async function dynamoRequest(port: number, target: string, input: unknown, extra: Record<string, string> = {}): Promise<string> {
  const body = JSON.stringify(input);
  const head = await signedRequest(port, 'dynamodb', 'POST', '/', {
    'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${target}`, 'content-length': String(Buffer.byteLength(body)), ...extra,
  }, body);
  return `${head}\r\n${body}`;
}

const TABLE = {
  TableName: 'lean',
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

/** Two texts of one length whose bytes differ all along (~14.5 KB replies). */
const MEDIUM = ['ü✓😀'.repeat(1_600), '😀✓ü'.repeat(1_600)] as const;

describe('lean HTTP path', () => {
  let lean: StrataProcess;
  let plain: StrataProcess;
  before(async () => {
    [lean, plain] = await Promise.all([
      startStrataProcess(['--in-memory']),
      startStrataProcess(['--in-memory'], { env: { STRATA_LEAN_HTTP: '0' } }),
    ]);
    for (const s of [lean, plain]) {
      const c = dynamo(s.url);
      await c.send(new CreateTableCommand(TABLE));
      await c.send(new PutItemCommand({ TableName: 'lean', Item: { id: { S: 'a' }, text: { S: 'héllo ✓' } } }));
      // A body of over 16 K characters takes the encode-once branch of the lean path's write; non-ASCII so that
      // characters and bytes differ.
      await c.send(new PutItemCommand({ TableName: 'lean', Item: { id: { S: 'big' }, text: { S: 'ü✓ '.repeat(10_000) } } }));
      // Well under that: the one-buffer branch, ~14.5 KB a reply, under a socket's 16 KB high-water mark.
      await c.send(new PutItemCommand({ TableName: 'lean', Item: { id: { S: 'medium' }, text: { S: MEDIUM[0] } } }));
      await c.send(new PutItemCommand({ TableName: 'lean', Item: { id: { S: 'medium2' }, text: { S: MEDIUM[1] } } }));
    }
  });
  after(async () => {
    await Promise.all([lean.stop(), plain.stop()]);
  });

  test('answers exactly as node:http does (status line, headers in order, body)', async () => {
    const cases: Array<[string, unknown]> = [
      ['GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }],
      ['GetItem', { TableName: 'lean', Key: { id: { S: 'missing' } } }],
      ['GetItem', { TableName: 'nope', Key: { id: { S: 'a' } } }],
      ['NoSuchOperation', {}],
      ['DescribeTable', { TableName: 'lean' }],
      ['GetItem', { TableName: 'lean', Key: { id: { S: 'big' } } }],
      ['Scan', { TableName: 'lean' }],
    ];
    for (const [target, input] of cases) {
      const replies: Reply[] = [];
      for (const s of [lean, plain]) {
        const c = await RawConnection.open(s.port);
        c.socket.write(await dynamoRequest(s.port, target, input));
        replies.push(await c.reply());
        c.socket.destroy();
      }
      const [a, b] = replies as [Reply, Reply];
      assert.equal(a.head.split('\r\n')[0], b.head.split('\r\n')[0], target);
      assert.deepEqual(shape(a), shape(b), target);
      const strip = (body: string): string => body.replace(/"(\w*DateTime|TableId)":[^,}]+/g, '');
      assert.equal(strip(a.body), strip(b.body), target);
      const crc = a.headers.find(([k]) => k === 'x-amz-crc32')![1];
      const { crc32 } = await import('node:zlib');
      assert.equal(crc, String(crc32(a.body)));
      assert.equal(Number(a.headers.find(([k]) => k === 'Content-Length')![1]), Buffer.byteLength(a.body));
    }
  });

  test('pipelined requests, and requests split across packets, are answered in order', async () => {
    const c = await RawConnection.open(lean.port);
    const r1 = await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } });
    const r2 = await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'missing' } } });
    c.socket.write(r1 + r2);
    assert.match((await c.reply()).body, /héllo ✓/);
    assert.equal((await c.reply()).body, '{}');
    const r3 = Buffer.from(r1);
    for (const cut of [10, 200, r3.length - 5]) {
      c.socket.write(r3.subarray(0, cut));
      await new Promise((r) => setTimeout(r, 20));
      c.socket.write(r3.subarray(cut));
      const reply = await c.reply();
      assert.equal(reply.status, 200);
      assert.match(reply.body, /héllo ✓/);
    }
    c.socket.destroy();
  });

  test('replies the socket could not take at once stay intact (pipelined, client not reading)', async () => {
    const c = await RawConnection.open(lean.port);
    const { crc32 } = await import('node:zlib');
    // Replies under the high-water mark keep being written while earlier ones wait in node's write queue
    // (views of one scratch buffer, unless it is replaced), alternating between two items so that an
    // overwritten reply shows. 3,000 of them, ~43 MB, are more than loopback's socket buffers take
    // (tcp_rmem up to 32 MB here, plus the sender's 4 MB).
    const pair = (await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'medium' } } })) +
      (await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'medium2' } } }));
    const n = 3_000;
    c.socket.pause();
    c.socket.write(pair.repeat(n / 2));
    await new Promise((r) => setTimeout(r, 1000));
    c.socket.resume();
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) {
      const reply = await c.reply();
      assert.equal(reply.status, 200, `reply ${i}`);
      assert.equal(reply.headers.find(([k]) => k === 'x-amz-crc32')![1], String(crc32(reply.body)), `reply ${i}`);
      assert.equal((JSON.parse(reply.body) as { Item: { text: { S: string } } }).Item.text.S, MEDIUM[i % 2], `reply ${i}`);
      ids.add(reply.headers.find(([k]) => k === 'x-amzn-RequestId')![1]);
      assert.equal(ids.size, i + 1, `reply ${i}: request id repeated`);
    }
    c.socket.destroy();
  });

  test('a chunked DynamoDB request, then S3 with Expect: 100-continue, on one connection go to node:http', async () => {
    const c = await RawConnection.open(lean.port);
    c.socket.write(await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }));
    assert.equal((await c.reply()).status, 200);
    // Chunked: the lean path never parses it; node:http does, on the same socket.
    const body = JSON.stringify({ TableName: 'lean', Key: { id: { S: 'a' } } });
    const head = await signedRequest(lean.port, 'dynamodb', 'POST', '/', {
      'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'transfer-encoding': 'chunked',
    }, body);
    c.socket.write(`${head}\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    const chunked = await c.reply();
    assert.equal(chunked.status, 200, chunked.body);
    assert.match(chunked.body, /héllo ✓/);
    // S3 with Expect: 100-continue on the same (now node's) connection.
    const createBucket = await signedRequest(lean.port, 's3', 'PUT', '/lean-bucket', { 'content-length': '0' }, '');
    c.socket.write(`${createBucket}\r\n`);
    assert.equal((await c.reply()).status, 200);
    const data = 'x'.repeat(1000);
    const put = await signedRequest(lean.port, 's3', 'PUT', '/lean-bucket/k', { 'content-length': String(data.length), expect: '100-continue' }, data);
    c.socket.write(`${put}\r\n`);
    const cont = await c.reply();
    assert.equal(cont.status, 100);
    c.socket.write(data);
    assert.equal((await c.reply()).status, 200);
    // And DynamoDB again, served by node now.
    c.socket.write(await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }));
    assert.match((await c.reply()).body, /héllo ✓/);
    c.socket.destroy();
  });

  test('a lean request and an S3 one in the same packet: both answered, in order', async () => {
    const c = await RawConnection.open(lean.port);
    const get = await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } });
    const list = await signedRequest(lean.port, 's3', 'GET', '/', {}, '');
    c.socket.write(`${get}${list}\r\n`);
    assert.match((await c.reply()).body, /héllo ✓/);
    const r = await c.reply();
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /ListAllMyBucketsResult/);
    c.socket.destroy();
  });

  test('S3 first: the connection is node\'s from its first request', async () => {
    const c = await RawConnection.open(lean.port);
    const list = await signedRequest(lean.port, 's3', 'GET', '/', {}, '');
    c.socket.write(`${list}\r\n`);
    const r = await c.reply();
    assert.equal(r.status, 200, r.body);
    c.socket.write(await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }));
    assert.match((await c.reply()).body, /héllo ✓/);
    c.socket.destroy();
  });

  test('Connection: close is answered by node:http, which closes', async () => {
    for (const s of [lean, plain]) {
      const c = await RawConnection.open(s.port);
      c.socket.write(await dynamoRequest(s.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }, { connection: 'close' }));
      const r = await c.reply();
      assert.equal(r.status, 200);
      assert.ok(r.headers.some(([k, v]) => k === 'Connection' && v === 'close'));
      await c.waitClosed();
    }
  });

  test('malformed requests get node\'s answers', async () => {
    for (const bad of ['POST / HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.GetItem\r\ncontent-length: abc\r\n\r\n', 'POST / HTTP/1.1\r\nbad header\r\n\r\n']) {
      const replies: string[] = [];
      for (const s of [lean, plain]) {
        const c = await RawConnection.open(s.port);
        c.socket.write(bad);
        replies.push((await c.reply()).head.split('\r\n')[0]!);
        await c.waitClosed();
      }
      assert.equal(replies[0], replies[1]);
      assert.match(replies[0]!, /^HTTP\/1\.1 400/);
    }
  });

  test('a repeated header sends the request to node:http, which answers it', async () => {
    for (const s of [lean, plain]) {
      const c = await RawConnection.open(s.port);
      const req = await dynamoRequest(s.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } });
      c.socket.write(req.replace('\r\n', '\r\nx-unsigned: 1\r\nx-unsigned: 2\r\n'));
      const r = await c.reply();
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /héllo ✓/);
      c.socket.destroy();
    }
  });

  test('a bad signature is refused on the lean path too', async () => {
    const c = await RawConnection.open(lean.port);
    const req = await dynamoRequest(lean.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } });
    c.socket.write(req.replace('"a"', '"b"'));
    const r = await c.reply();
    assert.equal(r.status, 400);
    assert.match(r.body, /InvalidSignatureException/);
    c.socket.destroy();
  });

  test('stopping the server closes idle lean connections', async () => {
    const s = await startStrataProcess(['--in-memory']);
    await dynamo(s.url).send(new CreateTableCommand(TABLE));
    const c = await RawConnection.open(s.port);
    c.socket.write(await dynamoRequest(s.port, 'GetItem', { TableName: 'lean', Key: { id: { S: 'a' } } }));
    assert.equal((await c.reply()).status, 200);
    const t0 = Date.now();
    assert.equal(await s.stop(), 0);
    await c.waitClosed();
    assert.ok(Date.now() - t0 < 10_000);
  });
});
