/**
 * The items of the export benchmark: about 1 KB each (DynamoDB item size), deterministic from their
 * number so the loader and the benchmark agree without talking. A string key, a ~900-byte text of words
 * (compresses like prose, about 3:1, rather than like random bytes or a repeated letter), a few numbers,
 * a small map and a string set.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type BenchItem = Record<string, AttributeValue>;

/** mulberry32: a small, fast, seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A vocabulary of 5,000 made-up words (1 to 3 syllables), drawn with a Zipf-like distribution: text that
 * gzip at level 6 compresses about 3:1 at the speed it has on English prose. (A small vocabulary drawn
 * uniformly compresses better but several times slower, which would flatter any exporter whose other
 * costs are hidden behind gzip.)
 */
const SYLLABLES = ['ka', 'to', 'ri', 'an', 'el', 'mo', 'su', 'ne', 'di', 'po', 'la', 've', 'or', 'in', 'ex', 'qu', 'sta', 'bri', 'con', 'pre', 'ment', 'tion', 'al', 'er', 'ly', 'is'];
const VOCABULARY = ((): string[] => {
  const r = rng(20261122);
  const words: string[] = [];
  for (let i = 0; i < 5000; i++) {
    let w = '';
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)]!;
    words.push(w);
  }
  return words;
})();

function text(r: () => number, bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    // floor(V^u) - 1 for uniform u: word k is drawn with probability ~ 1/k.
    const w = VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(Math.pow(VOCABULARY.length, r())) - 1)]!;
    parts.push(w);
    n += w.length + 1;
    if (r() < 0.05) {
      const d = String(Math.floor(r() * 100000));
      parts.push(d);
      n += d.length + 1;
    }
  }
  return parts.join(' ').slice(0, bytes);
}

export function itemKey(i: number): string {
  return `item#${String(i).padStart(9, '0')}`;
}

/** Item number i, version v (v > 0 for the incremental benchmark's updates). */
export function benchItem(i: number, v = 0): BenchItem {
  const r = rng(i * 7919 + v * 104729 + 1);
  return {
    pk: { S: itemKey(i) },
    body: { S: text(r, 900) },
    n: { N: String(i) },
    price: { N: (r() * 10000).toFixed(2) },
    ts: { N: String(1_700_000_000_000 + i * 13) },
    meta: { M: { owner: { S: `user-${Math.floor(r() * 5000)}` }, rank: { N: String(Math.floor(r() * 1000)) }, active: { BOOL: r() < 0.5 } } },
    tags: { SS: [`t${Math.floor(r() * 50)}`, `u${Math.floor(r() * 50)}`, `v${i % 97}`] },
  };
}

export const KEY_SCHEMA = {
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
} as const;

/** DynamoDB item size of a benchmark item (names + values; good enough for the report). */
export function approxItemBytes(item: BenchItem): number {
  let n = 0;
  const size = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.length / 2) + 1;
    if (v.BOOL !== undefined) return 1;
    if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
    if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + Buffer.byteLength(k) + size(x) + 1, 0);
    return 0;
  };
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k) + size(v);
  return n;
}
