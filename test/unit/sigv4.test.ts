import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { HmacKey, USUAL_AUTHORIZATION, usualFields } from '../../src/server/sigv4.js';

/** usualFields finds the Authorization header's three fields without the regex; it must agree with it. */
function agrees(auth: string): void {
  const m = USUAL_AUTHORIZATION.exec(auth);
  assert.deepEqual(usualFields(auth), m ? [m[1], m[2], m[3]] : undefined, JSON.stringify(auth));
}

describe('SigV4 Authorization header parsing', () => {
  it('agrees with the regex on what SDKs send and on near misses', () => {
    const cred = 'test/20261202/us-east-1/dynamodb/aws4_request';
    const sh = 'content-type;host;x-amz-date;x-amz-target';
    const sig = 'febd7872879c9a00e43b6ab2f237296aad9e0eb9e13643ae43b8218dbe92ef82';
    for (const auth of [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred},SignedHeaders=${sh},Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred},  SignedHeaders=${sh}, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig} `,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig},`,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=`,
      `AWS4-HMAC-SHA256 Credential=, SignedHeaders=${sh}, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred}, Signature=${sig}, SignedHeaders=${sh}`,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}\t, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}\u00a0`,
      `AWS4-HMAC-SHA256 Credential=te st, SignedHeaders=${sh}, Signature=${sig}`,
      `AWS4-HMAC-SHA256  Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=, Signature=${sig}`,
      'AWS4-HMAC-SHA256 Credential=',
      '',
    ]) agrees(auth);
  });

  it('agrees with the regex on random headers', () => {
    const piece = fc.constantFrom(
      'AWS4-HMAC-SHA256 ', 'Credential=', 'SignedHeaders=', 'Signature=', ', ', ',', ' ', '  ', '\t', '\n', '\u00a0', '\u2028', 'é',
      'a', '/', ';', '=', 'test/20261202/us-east-1/dynamodb/aws4_request', 'host;x-amz-date', '0123abcdef',
    );
    const usualish = fc.tuple(fc.array(piece, { maxLength: 3 }), fc.array(piece, { maxLength: 3 }), fc.array(piece, { maxLength: 3 }), fc.array(piece, { maxLength: 3 }))
      .map(([a, b, c, d]) => `AWS4-HMAC-SHA256 Credential=${a.join('')}x, SignedHeaders=${b.join('')}h${c.join('')}, Signature=${d.join('')}`);
    fc.assert(fc.property(fc.oneof(usualish, fc.array(piece, { maxLength: 12 }).map((p) => p.join(''))), (auth) => agrees(auth)), { numRuns: 5000 });
  });
});

describe('HmacKey', () => {
  it('signs as createHmac does, for any key and message (long, non-ASCII, reused buffers)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.array(fc.string({ unit: 'binary', maxLength: 400 }), { minLength: 1, maxLength: 4 }), (key, messages) => {
        const k = new HmacKey(Buffer.from(key));
        for (const m of messages) {
          assert.equal(k.sign(m).toString('hex'), createHmac('sha256', Buffer.from(key)).update(m, 'utf8').digest('hex'));
        }
      }),
      { numRuns: 500 },
    );
  });
});
