import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRequestId } from '../../src/server/json-protocol.js';

describe('request ids', () => {
  it('are 52 upper-case letters and digits, distinct across pool refills', () => {
    const seen = new Set<string>();
    // 128 ids per pool: 1,000 ids span several refills.
    for (let i = 0; i < 1000; i++) {
      const id = newRequestId();
      assert.match(id, /^[A-Z0-9]{52}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 1000);
  });

  it('use the whole alphabet', () => {
    const chars = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newRequestId()) chars.add(c);
    assert.equal(chars.size, 36);
  });
});
