/** ProjectionExpression: a comma-separated list of document paths, and the item shape it selects. */
import { validation } from '../../server/errors.js';
import type { AttributeValue, Item } from '../types.js';
import { beginExpression, lookupName, Problems, undefinedNameMessage, type ExpressionContext } from './context.js';
import { parsePathParts, type RawPathPart } from './condition-parser.js';
import { clashMessage, findPathClash, getAtPath, type Path, type PathElement } from './paths.js';
import { isReservedWord } from './reserved-words.js';
import { Cursor, SyntaxErrorAt, syntaxMessage } from './tokenizer.js';

const PARAM = 'ProjectionExpression';

export function parseProjection(expr: string, ctx: ExpressionContext): Path[] {
  const tokens = beginExpression(expr, ctx, PARAM);
  const raw: RawPathPart[][] = [];
  try {
    const c: Cursor = new Cursor(tokens);
    raw.push(parsePathParts(c, () => false));
    while (c.isPunct(',')) {
      c.pos++;
      raw.push(parsePathParts(c, () => false));
    }
    if (!c.atEnd()) c.fail();
  } catch (e) {
    if (e instanceof SyntaxErrorAt) throw validation(`Invalid ${PARAM}: ${syntaxMessage(expr, tokens, e.at)}`);
    throw e;
  }
  const problems = new Problems<'reserved' | 'undefined'>();
  const paths: Path[] = [];
  for (const parts of raw) {
    const path = resolveParts(parts, ctx, problems);
    if (path) paths.push(path);
  }
  const message = problems.first(['reserved', 'undefined']);
  if (message) throw validation(`Invalid ${PARAM}: ${message}`);
  const clash = findPathClash(paths);
  if (clash) throw validation(`Invalid ${PARAM}: ${clashMessage(clash)}`);
  return paths;
}

/** Resolves #names and flags reserved words; shared with the update expression parser. */
export function resolveParts(
  parts: readonly RawPathPart[],
  ctx: ExpressionContext,
  problems: Problems<'reserved' | 'undefined'>,
): Path | undefined {
  const out: PathElement[] = [];
  let ok = true;
  for (const p of parts) {
    if (p.kind === 'index') {
      out.push(p.index);
    } else if (p.kind === 'ident') {
      if (isReservedWord(p.text)) problems.add('reserved', `Attribute name is a reserved keyword; reserved keyword: ${p.text}`);
      out.push(p.text);
    } else {
      const name = lookupName(ctx, p.text);
      if (name === undefined) {
        problems.add('undefined', undefinedNameMessage(p.text));
        ok = false;
      } else {
        out.push(name);
      }
    }
  }
  return ok ? (out as Path) : undefined;
}

type Slot = AttributeValue | undefined;

/**
 * The attributes `paths` select from `item`, shaped as DynamoDB returns them: nested maps keep only the
 * selected members, and selected list elements are returned in index order without gaps.
 * Paths that do not resolve are left out.
 */
export function applyProjection(paths: readonly (readonly PathElement[])[], item: Item): Item {
  const out: Item = {};
  const lists: Slot[][] = [];
  // Containers built here (as opposed to values shared with `item`, which are never written to).
  const built = new Set<AttributeValue>();
  paths: for (const path of paths) {
    const value = getAtPath(item, path);
    if (value === undefined) continue;
    // Walk down the output, creating each container the path passes through.
    let parent: { kind: 'map'; map: Record<string, AttributeValue> } | { kind: 'list'; list: Slot[] } = { kind: 'map', map: out };
    for (let i = 0; i < path.length; i++) {
      const step = path[i]!;
      const last = i === path.length - 1;
      let slot: Slot = parent.kind === 'map' ? parent.map[step as string] : parent.list[step as number];
      if (last) {
        slot = value;
      } else if (!slot) {
        slot = typeof path[i + 1] === 'number' ? { L: [] } : { M: {} };
        built.add(slot);
        if ('L' in slot) lists.push(slot.L);
      } else if (!built.has(slot) || ('L' in slot) !== (typeof path[i + 1] === 'number')) {
        continue paths; // already selected whole by a shorter path
      }
      if (parent.kind === 'map') parent.map[step as string] = slot;
      else parent.list[step as number] = slot;
      if (!last) parent = 'L' in slot ? { kind: 'list', list: slot.L } : { kind: 'map', map: (slot as { M: Record<string, AttributeValue> }).M };
    }
  }
  for (const l of lists) {
    const dense = l.filter((x): x is AttributeValue => x !== undefined);
    l.length = 0;
    l.push(...dense);
  }
  return out;
}
