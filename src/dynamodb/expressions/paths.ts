/** Document paths: an attribute name followed by `.member` (string) and `[index]` (number) parts. */
import type { AttributeValue, Item } from '../types.js';

export type PathElement = string | number;
/** A resolved document path; the first element is always the top-level attribute name. */
export type Path = [string, ...PathElement[]];

/** AWS's rendering of a path in error messages: `[a, b, [1], c]`. */
export function pathToString(path: readonly PathElement[]): string {
  return `[${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join(', ')}]`;
}

/** The value at `path`, or undefined when any step is missing or of the wrong container type. */
export function getAtPath(item: Item | undefined, path: readonly PathElement[]): AttributeValue | undefined {
  if (!item) return undefined;
  let cur: AttributeValue | undefined = item[path[0] as string];
  for (let i = 1; i < path.length && cur; i++) {
    const p = path[i]!;
    if (typeof p === 'number') cur = 'L' in cur ? cur.L[p] : undefined;
    else cur = 'M' in cur ? cur.M[p] : undefined;
  }
  return cur;
}

export type PathClash = { kind: 'overlap' | 'conflict'; first: readonly PathElement[]; second: readonly PathElement[] };

/**
 * How two paths interfere: `overlap` when one is a prefix of the other (or they are equal),
 * `conflict` when they diverge on the kind of step (a map member vs a list index) at the same place.
 */
function clash(a: readonly PathElement[], b: readonly PathElement[]): 'overlap' | 'conflict' | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (typeof a[i] !== typeof b[i]) return 'conflict';
    if (a[i] !== b[i]) return undefined;
  }
  return 'overlap';
}

/**
 * The first overlap among `paths` (each checked against the ones before it), else the first conflict.
 * Overlaps win over conflicts wherever they appear, as in DynamoDB.
 */
export function findPathClash(paths: readonly (readonly PathElement[])[]): PathClash | undefined {
  let conflict: PathClash | undefined;
  for (let j = 1; j < paths.length; j++) {
    for (let i = 0; i < j; i++) {
      const c = clash(paths[i]!, paths[j]!);
      if (c === 'overlap') return { kind: 'overlap', first: paths[i]!, second: paths[j]! };
      if (c === 'conflict' && !conflict) conflict = { kind: 'conflict', first: paths[i]!, second: paths[j]! };
    }
  }
  return conflict;
}

export function clashMessage(c: PathClash): string {
  const what = c.kind === 'overlap' ? 'Two document paths overlap with each other' : 'Two document paths conflict with each other';
  return `${what}; must remove or rewrite one of these paths; path one: ${pathToString(c.first)}, path two: ${pathToString(c.second)}`;
}
