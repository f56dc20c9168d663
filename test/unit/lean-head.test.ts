import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseHead } from '../../src/server/lean-http.js';

/** What parseHead must return, computed the plain way: every name sliced and lower-cased, no memory of earlier heads. */
function reference(head: string): { headers: Record<string, string>; bodyLength: number } | 'node' {
  const lines = head.split('\r\n').slice(1);
  const headers: Record<string, string> = {};
  let bodyLength = -1;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (name === 'content-length') {
      if (!/^\d{1,9}$/.test(value)) return 'node';
      bodyLength = Number(value);
    }
    if (name === 'connection' && value.toLowerCase() !== 'keep-alive') return 'node';
    if (['transfer-encoding', 'expect', 'upgrade', 'set-cookie', 'cookie'].includes(name)) return 'node';
    headers[name] = value;
  }
  if (Object.keys(headers).length !== lines.length || bodyLength < 0) return 'node';
  return { headers, bodyLength };
}

function parse(head: string): ReturnType<typeof reference> {
  const r = parseHead(Buffer.from(`${head}\r\n\r\n`, 'latin1'));
  if (r === 'partial') throw new Error('a complete head read as partial');
  return r === 'node' ? 'node' : { headers: { ...r.req.headers } as Record<string, string>, bodyLength: r.bodyLength };
}

// The names an SDK sends, some variants of them, and a few the lean path must refuse or treat apart.
const NAMES = ['host', 'Host', 'content-type', 'Content-Type', 'content-length', 'Content-Length', 'x-amz-target', 'x-amz-date',
  'authorization', 'amz-sdk-invocation-id', 'amz-sdk-request', 'user-agent', 'x-amz-user-agent', 'connection', 'hostx', 'hos',
  'x-amz-date-extra', 'expect', '__proto__'];
const header = fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('1', '42', ' 7 ', 'keep-alive', 'close', 'a b', '', '\tv\t', '12x'))
  .map(([n, v]) => `${n}:${v}`);
const head = fc.array(header, { minLength: 1, maxLength: 12 }).map((lines) => `POST / HTTP/1.1\r\n${lines.join('\r\n')}`);

describe('parseHead', () => {
  it('agrees with a plain parse whatever the heads before it were (names remembered from the last head)', () => {
    // Sequences of heads, many repeating or nearly repeating the one before, as clients do.
    fc.assert(fc.property(fc.array(fc.oneof(head, head.map((h) => [h, h]), head.map((h) => [h, `${h}\r\nhost:1`])), { minLength: 1, maxLength: 8 }), (seq) => {
      for (const h of seq.flat()) assert.deepEqual(parse(h), reference(h), JSON.stringify(h));
    }), { numRuns: 3000 });
  });

  it('reads an SDK-shaped head the same the second time as the first', () => {
    const sdk = 'POST / HTTP/1.1\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: DynamoDB_20120810.GetItem\r\n' +
      'x-amz-date: 20261202T120000Z\r\nauthorization: AWS4-HMAC-SHA256 Credential=test/20261202/us-east-1/dynamodb/aws4_request\r\n' +
      'host: 127.0.0.1:4566\r\ncontent-length: 60\r\nConnection: keep-alive';
    const first = parse(sdk);
    assert.deepEqual(parse(sdk), first);
    assert.notEqual(first, 'node');
    assert.equal(first === 'node' ? 0 : first.bodyLength, 60);
    // A different value under the same names is read afresh; a name that merely starts like a known one is its own.
    assert.deepEqual(parse(sdk.replace('content-length: 60', 'content-length: 61')), { ...(first as object), bodyLength: 61, headers: { ...(first === 'node' ? {} : first.headers), 'content-length': '61' } });
    const longer = parse(sdk.replace('host:', 'hostname:'));
    assert.ok(longer !== 'node' && longer.headers.hostname === '127.0.0.1:4566' && !('host' in longer.headers));
  });
});
