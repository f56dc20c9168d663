/**
 * The legacy (pre-expression) request parameters: Expected, AttributeUpdates, KeyConditions, QueryFilter,
 * ScanFilter and ConditionalOperator. They are validated with AWS's messages and translated into the
 * expression trees the rest of the service already runs (Condition, KeyCondition, UpdatePlan), so there is
 * one evaluator for both styles. The rules and messages follow DynamoDB's (as recorded by dynalite's
 * tests against the live service) and the API reference's ComparisonOperator table.
 */
import { AwsError, validation } from '../server/errors.js';
import type { ConstraintChecker } from './constraints.js';
import { applyUpdate, type Condition, type KeyCondition, type KeyOperator, type Operand, type UpdateAction, type UpdatePlan } from './expressions/index.js';
import { BAD_UPDATE_TYPE } from './expressions/update.js';
import type { KeyShape } from './table-state.js';
import type { AttributeValue, Item } from './types.js';
import { compareValues, normalizeAttributeValue, typeOf, validateAttributeValue } from './values.js';

type Input = Record<string, unknown>;

const OPERATORS = ['IN', 'NULL', 'BETWEEN', 'LT', 'NOT_CONTAINS', 'EQ', 'GT', 'NOT_NULL', 'NE', 'LE', 'BEGINS_WITH', 'GE', 'CONTAINS'];
type Operator = 'EQ' | 'NE' | 'LE' | 'LT' | 'GE' | 'GT' | 'NOT_NULL' | 'NULL' | 'CONTAINS' | 'NOT_CONTAINS' | 'BEGINS_WITH' | 'IN' | 'BETWEEN';

/** How many values each operator takes: an exact count, or [min] for "one or more". */
const ARITY: Record<Operator, number | [number]> = {
  NULL: 0, NOT_NULL: 0, EQ: 1, NE: 1, LE: 1, LT: 1, GE: 1, GT: 1, CONTAINS: 1, NOT_CONTAINS: 1, BEGINS_WITH: 1, IN: [1], BETWEEN: 2,
};

/** The value types each operator accepts in AttributeValueList (the API reference's ComparisonOperator table). */
const VALUE_TYPES: Partial<Record<Operator, readonly string[]>> = {
  EQ: ['S', 'N', 'B', 'SS', 'NS', 'BS'],
  NE: ['S', 'N', 'B', 'SS', 'NS', 'BS'],
  LE: ['S', 'N', 'B'], LT: ['S', 'N', 'B'], GE: ['S', 'N', 'B'], GT: ['S', 'N', 'B'],
  CONTAINS: ['S', 'N', 'B'], NOT_CONTAINS: ['S', 'N', 'B'],
  BEGINS_WITH: ['S', 'B'],
  IN: ['S', 'N', 'B'],
  BETWEEN: ['S', 'N', 'B'],
};

const INVALID = 'One or more parameter values were invalid: ';

interface LegacyCondition {
  ComparisonOperator?: unknown;
  AttributeValueList?: unknown;
  Value?: unknown;
  Exists?: unknown;
}

interface LegacyUpdate {
  Action?: unknown;
  Value?: unknown;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entries<T>(v: unknown): [string, T][] {
  return isMap(v) ? (Object.entries(v) as [string, T][]) : [];
}

/**
 * Refuses a request that mixes the two styles, naming the parameters of each that were given, in AWS's
 * order. KeyConditions counts only against KeyConditionExpression (AWS lets it go with a FilterExpression).
 */
export function rejectMixedParameters(input: Input, expressions: readonly string[], legacy: readonly string[]): void {
  const expr = expressions.filter((p) => input[p] !== undefined && input[p] !== null);
  if (!expr.length) return;
  const old = legacy.filter((p) => input[p] !== undefined && input[p] !== null && (p !== 'KeyConditions' || input.KeyConditionExpression != null));
  if (!old.length) return;
  throw validation(`Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${old.join(', ')}} Expression parameters: {${expr.join(', ')}}`);
}

/**
 * The request-shape rules of the legacy parameters (enums and required members), added to the
 * operation's ConstraintChecker so they are reported in AWS's "N validation errors detected" form.
 */
export function checkLegacyShapes(c: ConstraintChecker, input: Input): void {
  c.oneOf(input.ConditionalOperator, 'conditionalOperator', ['OR', 'AND']);
  for (const [param, required] of [['Expected', false], ['KeyConditions', true], ['QueryFilter', true], ['ScanFilter', true]] as const) {
    for (const [name, cond] of entries<LegacyCondition>(input[param])) {
      const field = `${param[0]!.toLowerCase()}${param.slice(1)}.${name}.member.comparisonOperator`;
      if (required) c.required(isMap(cond) ? cond.ComparisonOperator : undefined, field);
      if (isMap(cond)) c.oneOf(cond.ComparisonOperator, field, OPERATORS);
    }
  }
  for (const [name, u] of entries<LegacyUpdate>(input.AttributeUpdates)) {
    if (isMap(u)) c.oneOf(u.Action, `attributeUpdates.${name}.member.action`, ['ADD', 'PUT', 'DELETE']);
  }
}

function valueList(v: unknown): AttributeValue[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw validation(`${INVALID}AttributeValueList must be a list`);
  for (const x of v) validateAttributeValue(x);
  return (v as AttributeValue[]).map(normalizeAttributeValue);
}

function checkArity(op: Operator, count: number): void {
  const want = ARITY[op];
  const ok = typeof want === 'number' ? count === want : count >= want[0];
  if (!ok) throw validation(`${INVALID}Invalid number of argument(s) for the ${op} ComparisonOperator`);
}

/** The rules shared by every legacy condition once its values are known: one type, allowed types, ordered bounds. */
function checkValues(op: Operator, values: AttributeValue[]): void {
  if (!values.length) return;
  const type = typeOf(values[0]!);
  if (values.some((v) => typeOf(v) !== type)) throw validation(`${INVALID}AttributeValues inside AttributeValueList must be of same type`);
  const allowed = VALUE_TYPES[op];
  if (allowed && !allowed.includes(type)) throw validation(`${INVALID}ComparisonOperator ${op} is not valid for ${type} AttributeValue type`);
  if (op === 'BETWEEN' && (compareValues(values[0]!, values[1]!) ?? 0) > 0) {
    throw validation('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  }
}

/** One attribute's test as an expression tree: what `name OP values` means in ConditionExpression terms. */
function conditionFor(name: string, op: Operator, values: AttributeValue[]): Condition {
  const path: Operand = { kind: 'path', path: [name] };
  const v = (i: number): Operand => ({ kind: 'value', value: values[i]! });
  const compare = (c: '=' | '<>' | '<' | '<=' | '>' | '>='): Condition => ({ kind: 'compare', op: c, left: path, right: v(0) });
  switch (op) {
    case 'EQ': return compare('=');
    case 'NE': return compare('<>');
    case 'LT': return compare('<');
    case 'LE': return compare('<=');
    case 'GT': return compare('>');
    case 'GE': return compare('>=');
    case 'NOT_NULL': return { kind: 'function', name: 'attribute_exists', args: [path] };
    case 'NULL': return { kind: 'function', name: 'attribute_not_exists', args: [path] };
    case 'CONTAINS': return { kind: 'function', name: 'contains', args: [path, v(0)] };
    case 'NOT_CONTAINS': return { kind: 'not', operand: { kind: 'function', name: 'contains', args: [path, v(0)] } };
    case 'BEGINS_WITH': return { kind: 'function', name: 'begins_with', args: [path, v(0)] };
    case 'IN': return { kind: 'in', operand: path, list: values.map((_, i) => v(i)) };
    case 'BETWEEN': return { kind: 'between', operand: path, low: v(0), high: v(1) };
  }
}

/** Joins the per-attribute tests with ConditionalOperator (AND unless OR). */
function join(parts: Condition[], conditionalOperator: unknown): Condition | undefined {
  if (!parts.length) return undefined;
  const kind = conditionalOperator === 'OR' ? 'or' : 'and';
  return parts.reduce((left, right) => ({ kind, left, right }));
}

/** Expected (PutItem, UpdateItem, DeleteItem) as a condition over the current item; undefined when absent. */
export function expectedCondition(input: Input): Condition | undefined {
  const parts: Condition[] = [];
  for (const [name, cond] of entries<LegacyCondition>(input.Expected)) {
    if (!isMap(cond)) throw validation(`${INVALID}Expected must be a map of conditions`);
    if (cond.Value !== undefined && cond.Value !== null) validateAttributeValue(cond.Value);
    const listed = valueList(cond.AttributeValueList);
    if (cond.AttributeValueList != null && cond.Value != null) {
      throw validation(`${INVALID}Value and AttributeValueList cannot be used together for Attribute: ${name}`);
    }
    if (cond.ComparisonOperator != null) {
      const op = cond.ComparisonOperator as Operator;
      if (cond.Exists != null) throw validation(`${INVALID}Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
      if (op !== 'NULL' && op !== 'NOT_NULL' && cond.AttributeValueList == null && cond.Value == null) {
        throw validation(`${INVALID}Value or AttributeValueList must be used with ComparisonOperator: ${op} for Attribute: ${name}`);
      }
      const values = cond.Value != null ? [normalizeAttributeValue(cond.Value as AttributeValue)] : listed;
      checkArity(op, values.length);
      checkValues(op, values);
      parts.push(conditionFor(name, op, values));
      continue;
    }
    if (cond.AttributeValueList != null) {
      throw validation(`${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
    }
    const exists = cond.Exists == null || cond.Exists === true;
    if (exists && cond.Value == null) {
      throw validation(`${INVALID}Value must be provided when Exists is ${cond.Exists == null ? 'null' : String(cond.Exists)} for Attribute: ${name}`);
    }
    if (!exists && cond.Value != null) throw validation(`${INVALID}Value cannot be used when Exists is false for Attribute: ${name}`);
    parts.push(exists ? conditionFor(name, 'EQ', [normalizeAttributeValue(cond.Value as AttributeValue)]) : conditionFor(name, 'NULL', []));
  }
  return join(parts, input.ConditionalOperator);
}

/** The validated operator and values of each entry of a QueryFilter / ScanFilter / KeyConditions map. */
function filterTerms(map: unknown): { name: string; op: Operator; values: AttributeValue[] }[] {
  return entries<LegacyCondition>(map).map(([name, cond]) => {
    const op = cond.ComparisonOperator as Operator;
    const values = valueList(cond.AttributeValueList);
    checkArity(op, values.length);
    checkValues(op, values);
    return { name, op, values };
  });
}

/** QueryFilter / ScanFilter as a filter condition; undefined when absent or empty. */
export function filterCondition(map: unknown, conditionalOperator: unknown): Condition | undefined {
  return join(filterTerms(map).map((t) => conditionFor(t.name, t.op, t.values)), conditionalOperator);
}

/** QueryFilter may not test the key attributes of the table or index queried. */
export function checkQueryFilterKeys(map: unknown, shape: KeyShape): void {
  if (!isMap(map)) return;
  for (const k of [shape.hash, shape.range]) {
    if (k && Object.prototype.hasOwnProperty.call(map, k.name)) {
      throw validation(`QueryFilter can only contain non-primary key attributes: Primary key attribute: ${k.name}`);
    }
  }
}

/** The schema-free rules of KeyConditions, which AWS checks before it looks the table up. */
export function checkKeyConditions(map: unknown): void {
  filterTerms(map);
  const n = isMap(map) ? Object.keys(map).length : 0;
  if (n !== 1 && n !== 2) throw validation('Conditions can be of length 1 or 2 only');
}

const KEY_OPERATORS: Partial<Record<Operator, KeyOperator>> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=', BEGINS_WITH: 'begins_with', BETWEEN: 'BETWEEN' };
const NOT_INDEXABLE: readonly Operator[] = ['NULL', 'NOT_NULL', 'NE', 'CONTAINS', 'NOT_CONTAINS', 'IN'];

/** KeyConditions against the queried key schema, as the key condition Query runs. */
export function keyConditionsOf(map: unknown, shape: KeyShape): KeyCondition {
  const terms = filterTerms(map);
  const byName = new Map(terms.map((t) => [t.name, t]));
  let hash: (typeof terms)[number] | undefined;
  let range: (typeof terms)[number] | undefined;
  for (const [k, isHash] of [[shape.hash, true], [shape.range, false]] as const) {
    if (!k) continue;
    if (isHash && !shape.range && terms.length > 1) throw validation('Query key condition not supported');
    const t = byName.get(k.name);
    if (!t) {
      if (isHash || terms.length > 1) throw validation(`Query condition missed key schema element: ${k.name}`);
      continue;
    }
    if (NOT_INDEXABLE.includes(t.op)) throw validation('Attempted conditional constraint is not an indexable operation');
    if (t.values.some((v) => !(k.type in v))) throw validation(`${INVALID}Condition parameter type does not match schema type`);
    if (isHash && t.op !== 'EQ') throw validation('Query key condition not supported');
    if (isHash) hash = t;
    else range = t;
  }
  return {
    hashName: shape.hash.name,
    hashValue: hash!.values[0]!,
    ...(range ? { range: { name: range.name, op: KEY_OPERATORS[range.op]!, values: range.values } } : {}),
  };
}

/** AttributeUpdates as an update plan; undefined when absent or empty. */
export function attributeUpdatesPlan(map: unknown): UpdatePlan | undefined {
  const actions: UpdateAction[] = [];
  for (const [name, u] of entries<LegacyUpdate>(map)) {
    const action = (isMap(u) ? u.Action : undefined) ?? 'PUT';
    const raw = isMap(u) ? u.Value : undefined;
    if (raw !== undefined && raw !== null) validateAttributeValue(raw);
    const path: [string] = [name];
    if (raw === undefined || raw === null) {
      if (action !== 'DELETE') throw validation(`${INVALID}Only DELETE action is allowed when no attribute value is specified`);
      actions.push({ action: 'REMOVE', path });
      continue;
    }
    const value = normalizeAttributeValue(raw);
    const type = typeOf(value);
    if (action === 'DELETE') {
      if (type !== 'SS' && type !== 'NS' && type !== 'BS') throw validation(`${INVALID}DELETE action with value is not supported for the type ${type}`);
      actions.push({ action: 'DELETE', path, value });
    } else if (action === 'ADD') {
      if (!['L', 'SS', 'NS', 'BS', 'N'].includes(type)) throw validation(`${INVALID}ADD action is not supported for the type ${type}`);
      // ADD appends to a list (UpdateExpression's ADD takes no lists): list_append(if_not_exists(a, []), v).
      if (type === 'L') {
        actions.push({
          action: 'SET', path,
          value: { kind: 'operand', operand: { kind: 'list_append', left: { kind: 'if_not_exists', path, fallback: { kind: 'value', value: { L: [] } } }, right: { kind: 'value', value } } },
        });
      } else {
        actions.push({ action: 'ADD', path, value });
      }
    } else {
      actions.push({ action: 'SET', path, value: { kind: 'operand', operand: { kind: 'value', value } } });
    }
  }
  return actions.length ? { actions } : undefined;
}

/** applyUpdate for a plan from AttributeUpdates: same result, AWS's legacy wording for a type mismatch. */
export function applyAttributeUpdates(plan: UpdatePlan, item: Item, keyNames: string[]): Item {
  try {
    return applyUpdate(plan, item, keyNames);
  } catch (e) {
    if (e instanceof AwsError && e.message === BAD_UPDATE_TYPE) throw validation('Type mismatch for attribute to update');
    throw e;
  }
}
