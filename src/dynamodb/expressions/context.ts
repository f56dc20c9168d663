/**
 * ExpressionAttributeNames / ExpressionAttributeValues of one request: their validation, resolution of
 * #name and :value placeholders, and the checks that every one given was used.
 */
import type { AwsError } from '../../server/errors.js';
import { validation } from '../../server/errors.js';
import type { AttributeValue } from '../types.js';
import { validateAttributeValue } from '../values.js';
import { tokenize, type Token } from './tokenizer.js';

export type ExpressionParam =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

export interface ContextOptions {
  /**
   * How an invalid ExpressionAttributeValues entry is reported. `bare` (the default) is the current
   * DynamoDB wording used by PutItem, UpdateItem, DeleteItem, GetItem and Query: the value's own message.
   * `wrapped` is the older layer (Scan, BatchWriteItem, transactions in most regions):
   * `ExpressionAttributeValues contains invalid value: <message> for key :v`.
   */
  valueErrors?: 'bare' | 'wrapped';
}

export interface ExpressionContext {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
  usedNames: Set<string>;
  usedValues: Set<string>;
  /** The expressions parsed with this context so far. */
  parsed: ExpressionParam[];
  options: ContextOptions;
  /** Set once the names/values maps themselves have been validated. */
  mapsChecked: boolean;
}

export function newContext(
  names?: Record<string, string>,
  values?: Record<string, AttributeValue>,
  options: ContextOptions = {},
): ExpressionContext {
  return { names, values, usedNames: new Set(), usedValues: new Set(), parsed: [], options, mapsChecked: false };
}

const MAX_EXPRESSION_BYTES = 4096;

/** Validates the ExpressionAttributeNames / ExpressionAttributeValues maps (once per context). */
export function checkAttributeMaps(ctx: ExpressionContext): void {
  if (ctx.mapsChecked) return;
  if (ctx.names !== undefined) {
    const keys = Object.keys(ctx.names);
    if (keys.length === 0) throw validation('ExpressionAttributeNames must not be empty');
    for (const k of keys) {
      if (!/^#[0-9a-zA-Z_]+$/.test(k)) throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`);
    }
  }
  if (ctx.values !== undefined) {
    const keys = Object.keys(ctx.values);
    if (keys.length === 0) throw validation('ExpressionAttributeValues must not be empty');
    for (const k of keys) {
      if (!/^:[0-9a-zA-Z_]+$/.test(k)) throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`);
    }
    for (const k of keys) {
      try {
        validateAttributeValue(ctx.values[k]);
      } catch (e) {
        if (ctx.options.valueErrors === 'wrapped' && isValidationError(e)) {
          throw validation(`ExpressionAttributeValues contains invalid value: ${e.message} for key ${k}`);
        }
        throw e;
      }
    }
  }
  ctx.mapsChecked = true;
}

function isValidationError(e: unknown): e is AwsError {
  return e instanceof Error && (e as Partial<AwsError>).code === 'ValidationException';
}

/**
 * The checks every expression goes through before it is parsed: the maps are valid, the expression is
 * not empty and fits in 4 KB. Returns its tokens.
 */
export function beginExpression(expr: string, ctx: ExpressionContext, param: ExpressionParam): Token[] {
  checkAttributeMaps(ctx);
  if (expr === '') throw validation(`Invalid ${param}: The expression can not be empty;`);
  const size = Buffer.byteLength(expr, 'utf8');
  if (size > MAX_EXPRESSION_BYTES) {
    throw validation(`Invalid ${param}: Expression size has exceeded the maximum allowed size; expression size: ${size}`);
  }
  ctx.parsed.push(param);
  return tokenize(expr);
}

/** The attribute name behind `#name`, or undefined (and nothing marked) when it is not defined. */
export function lookupName(ctx: ExpressionContext, placeholder: string): string | undefined {
  const v = ctx.names && Object.prototype.hasOwnProperty.call(ctx.names, placeholder) ? ctx.names[placeholder] : undefined;
  if (v !== undefined) ctx.usedNames.add(placeholder);
  return v;
}

/** The value behind `:value`, or undefined (and nothing marked) when it is not defined. */
export function lookupValue(ctx: ExpressionContext, placeholder: string): AttributeValue | undefined {
  const v = ctx.values && Object.prototype.hasOwnProperty.call(ctx.values, placeholder) ? ctx.values[placeholder] : undefined;
  if (v !== undefined) ctx.usedValues.add(placeholder);
  return v;
}

export function undefinedNameMessage(placeholder: string): string {
  return `An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`;
}

export function undefinedValueMessage(placeholder: string): string {
  return `An expression attribute value used in expression is not defined; attribute value: ${placeholder}`;
}

const VALUE_EXPRESSIONS: readonly ExpressionParam[] = ['ConditionExpression', 'FilterExpression', 'KeyConditionExpression', 'UpdateExpression'];

/**
 * After all expressions of one request are parsed: names or values given without any expression that
 * could use them, and names or values never referenced, are errors.
 */
export function assertAllUsed(ctx: ExpressionContext): void {
  if (ctx.names !== undefined && ctx.parsed.length === 0) {
    throw validation('ExpressionAttributeNames can only be specified when using expressions');
  }
  if (ctx.values !== undefined && !ctx.parsed.some((p) => VALUE_EXPRESSIONS.includes(p))) {
    throw validation('ExpressionAttributeValues can only be specified when using expressions');
  }
  checkAttributeMaps(ctx);
  const unusedNames = Object.keys(ctx.names ?? {}).filter((k) => !ctx.usedNames.has(k));
  if (unusedNames.length) {
    throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  }
  const unusedValues = Object.keys(ctx.values ?? {}).filter((k) => !ctx.usedValues.has(k));
  if (unusedValues.length) {
    throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
  }
}

/** Keeps the first problem of each category, so the caller can report by AWS's order of precedence. */
export class Problems<C extends string> {
  private readonly found = new Map<C, string>();

  add(category: C, message: string): void {
    if (!this.found.has(category)) this.found.set(category, message);
  }

  has(category: C): boolean {
    return this.found.has(category);
  }

  first(order: readonly C[]): string | undefined {
    for (const c of order) {
      const m = this.found.get(c);
      if (m !== undefined) return m;
    }
    return undefined;
  }
}
