/**
 * Applying an UpdatePlan to an item, as DynamoDB does:
 * - every SET value is computed from the item as it was before the update;
 * - list indexes refer to the list as it was: REMOVE a[0], a[2] removes both original elements, and
 *   SET or ADD past the end appends, in index order, without padding;
 * - a set emptied by DELETE disappears.
 */
import { validation } from '../../server/errors.js';
import type { AttributeValue, Item } from '../types.js';
import { addNumbers, compareNumbers, normalizeAttributeValue } from '../values.js';
import { applyProjection } from './projection.js';
import { getAtPath, type Path } from './paths.js';
import type { SetValue, UpdateOperand, UpdatePlan } from './update-parser.js';

const BAD_PATH = 'The document path provided in the update expression is invalid for update';
/** Exported so AttributeUpdates (legacy.ts) can word the same failure the legacy way. */
export const BAD_UPDATE_TYPE = 'An operand in the update expression has an incorrect data type';
const BAD_TYPE = BAD_UPDATE_TYPE;
const MISSING = 'The provided expression refers to an attribute that does not exist in the item';

/** Rejects an update that targets a key attribute (at any depth), naming the first such key. */
export function checkUpdateKeys(plan: UpdatePlan, keyNames: readonly string[]): void {
  for (const key of keyNames) {
    if (plan.actions.some((a) => a.path[0] === key)) {
      throw validation(`One or more parameter values were invalid: Cannot update attribute ${key}. This attribute is part of the key`);
    }
  }
}

type Slot = AttributeValue | undefined;
type Parent = { kind: 'map'; map: Record<string, AttributeValue> } | { kind: 'list'; list: Slot[] };

/**
 * The item after `plan` (a new object; `item` is not modified). Pass the key attributes as `item` when
 * no item exists yet, so that the expression can refer to them; `undefined` starts from an empty item.
 */
export function applyUpdate(plan: UpdatePlan, item: Item | undefined, keyNames: string[]): Item {
  checkUpdateKeys(plan, keyNames);
  const before: Item = item ?? {};
  const values = plan.actions.map((a) => (a.action === 'SET' ? setValue(a.value, before) : undefined));
  const out = structuredClone(before);
  const touchedLists: Slot[][] = [];

  plan.actions.forEach((a, i) => {
    const parent = parentOf(out, a.path);
    if (!parent) throw validation(BAD_PATH);
    const step = a.path[a.path.length - 1]!;
    if (parent.kind === 'list') touchedLists.push(parent.list);
    const existing: Slot = parent.kind === 'map' ? parent.map[step as string] : parent.list[step as number];
    switch (a.action) {
      case 'SET':
        put(parent, step, values[i]!);
        return;
      case 'REMOVE':
        remove(parent, step);
        return;
      case 'ADD':
        put(parent, step, added(existing, normalizeAttributeValue(a.value)));
        return;
      case 'DELETE': {
        if (!existing) return;
        const rest = deleted(existing, normalizeAttributeValue(a.value));
        if (rest) put(parent, step, rest);
        else remove(parent, step);
        return;
      }
    }
  });
  for (const l of touchedLists) compact(l);
  return out;
}

/** The container holding the last step of `path`, if it exists and is of the right kind. */
function parentOf(item: Item, path: Path): Parent | undefined {
  let parent: Parent = { kind: 'map', map: item };
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i]!;
    const v: Slot = parent.kind === 'map' ? parent.map[step as string] : parent.list[step as number];
    if (!v) return undefined;
    if ('M' in v) parent = { kind: 'map', map: v.M };
    else if ('L' in v) parent = { kind: 'list', list: v.L };
    else return undefined;
  }
  const last = path[path.length - 1]!;
  if (typeof last === 'number' ? parent.kind !== 'list' : parent.kind !== 'map') return undefined;
  return parent;
}

function put(parent: Parent, step: string | number, v: AttributeValue): void {
  if (parent.kind === 'map') parent.map[step as string] = v;
  else parent.list[step as number] = v;
}

function remove(parent: Parent, step: string | number): void {
  if (parent.kind === 'map') delete parent.map[step as string];
  else if ((step as number) < parent.list.length) parent.list[step as number] = undefined;
}

/** Drops the holes left by REMOVE and by writes past the end of a list. */
function compact(list: Slot[]): void {
  const dense = list.filter((x): x is AttributeValue => x !== undefined);
  list.length = 0;
  list.push(...dense);
}

function setValue(v: SetValue, item: Item): AttributeValue {
  if (v.kind === 'operand') return operand(v.operand, item);
  const a = operand(v.left, item);
  if (!('N' in a)) throw validation(BAD_TYPE);
  const b = operand(v.right, item);
  if (!('N' in b)) throw validation(BAD_TYPE);
  return { N: addNumbers(a.N, b.N, v.kind === 'minus') };
}

function operand(o: UpdateOperand, item: Item): AttributeValue {
  switch (o.kind) {
    case 'value':
      return normalizeAttributeValue(o.value);
    case 'path': {
      const v = getAtPath(item, o.path);
      if (!v) throw validation(MISSING);
      return structuredClone(v);
    }
    case 'if_not_exists': {
      const v = getAtPath(item, o.path);
      return v ? structuredClone(v) : operand(o.fallback, item);
    }
    case 'list_append': {
      const a = operand(o.left, item);
      if (!('L' in a)) throw validation(BAD_TYPE);
      const b = operand(o.right, item);
      if (!('L' in b)) throw validation(BAD_TYPE);
      return { L: [...a.L, ...b.L] };
    }
  }
}

function setKind(v: AttributeValue): 'SS' | 'NS' | 'BS' | undefined {
  if ('SS' in v) return 'SS';
  if ('NS' in v) return 'NS';
  if ('BS' in v) return 'BS';
  return undefined;
}

function sameMember(kind: 'SS' | 'NS' | 'BS', a: string, b: string): boolean {
  if (kind === 'NS') return compareNumbers(a, b) === 0;
  if (kind === 'BS') return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
  return a === b;
}

function members(v: AttributeValue, kind: 'SS' | 'NS' | 'BS'): string[] {
  return (v as Record<typeof kind, string[]>)[kind];
}

/** ADD: numbers add up, sets unite; a missing attribute starts from the operand. */
function added(existing: Slot, operand: AttributeValue): AttributeValue {
  if ('N' in operand) {
    if (!existing) return operand;
    if (!('N' in existing)) throw validation(BAD_TYPE);
    return { N: addNumbers(existing.N, operand.N) };
  }
  const kind = setKind(operand)!;
  if (!existing) return operand;
  if (setKind(existing) !== kind) throw validation(BAD_TYPE);
  const have = members(existing, kind);
  const extra = members(operand, kind).filter((m) => !have.some((h) => sameMember(kind, h, m)));
  return { [kind]: [...have, ...extra] } as AttributeValue;
}

/** DELETE: the set without the operand's members, or undefined when nothing is left. */
function deleted(existing: AttributeValue, operand: AttributeValue): AttributeValue | undefined {
  const kind = setKind(operand)!;
  if (setKind(existing) !== kind) throw validation(BAD_TYPE);
  const drop = members(operand, kind);
  const rest = members(existing, kind).filter((m) => !drop.some((d) => sameMember(kind, d, m)));
  return rest.length ? ({ [kind]: rest } as AttributeValue) : undefined;
}

/** The document paths an update writes or removes, in written order. */
export function updatedPaths(plan: UpdatePlan): Path[] {
  return plan.actions.map((a) => a.path);
}

/**
 * What ReturnValues UPDATED_OLD / UPDATED_NEW return: the updated paths projected from `item`
 * (the item before the update for UPDATED_OLD, after it for UPDATED_NEW). Nested paths come back
 * nested (`SET a.b = :v` returns `{a: {M: {b: ...}}}`), as DynamoDB returns them.
 */
export function projectUpdated(plan: UpdatePlan, item: Item): Item {
  return applyProjection(updatedPaths(plan), item);
}
