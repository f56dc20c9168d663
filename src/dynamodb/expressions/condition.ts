/**
 * Condition expressions: semantic validation with AWS's messages and order of precedence, and the
 * resolved tree that evaluate.ts runs against items.
 *
 * Precedence (as DynamoDB reports them): syntax, then redundant parentheses, unknown function, misused
 * function, reserved word, then the first condition (in written order) with a problem, where within a
 * condition an undefined placeholder beats a wrong operand count, which beats non-distinct operands,
 * which beats a wrong operand type.
 */
import { validation } from '../../server/errors.js';
import type { AttributeValue } from '../types.js';
import { compareValues, typeOf } from '../values.js';
import {
  beginExpression, lookupName, lookupValue, Problems, undefinedNameMessage, undefinedValueMessage,
  type ExpressionContext, type ExpressionParam,
} from './context.js';
import {
  parseConditionSyntax, TooDeep, type Comparator, type RawCall, type RawNode, type RawPathPart,
} from './condition-parser.js';
import { pathToString, type Path, type PathElement } from './paths.js';
import { isReservedWord } from './reserved-words.js';
import { SyntaxErrorAt, syntaxMessage } from './tokenizer.js';

export type { Comparator } from './condition-parser.js';

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; operand: Operand };

export type ConditionFunction = 'attribute_exists' | 'attribute_not_exists' | 'attribute_type' | 'begins_with' | 'contains';

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'function'; name: ConditionFunction; args: Operand[] };

const FUNCTION_ARITY: Record<string, number> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};

const TYPE_NAMES = ['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M'];
const MAX_IN_OPERANDS = 100;
const MAX_OPERATORS = 300;

type Global = 'parens' | 'unknownFunction' | 'misusedFunction' | 'reserved';
const GLOBAL_ORDER: readonly Global[] = ['parens', 'unknownFunction', 'misusedFunction', 'reserved'];
type Local = 'undefined' | 'operands' | 'distinct' | 'function';
const LOCAL_ORDER: readonly Local[] = ['undefined', 'operands', 'distinct', 'function'];

/** Parses, validates and resolves a condition; throws AWS's ValidationException on any problem. */
export function parseCondition(expr: string, ctx: ExpressionContext, param: ExpressionParam): Condition {
  const tokens = beginExpression(expr, ctx, param);
  let raw;
  try {
    raw = parseConditionSyntax(tokens);
  } catch (e) {
    if (e instanceof SyntaxErrorAt) throw validation(`Invalid ${param}: ${syntaxMessage(expr, tokens, e.at)}`);
    if (e instanceof TooDeep) throw validation(`Invalid ${param}: The expression has redundant parentheses;`);
    throw e;
  }
  if (raw.operatorCount > MAX_OPERATORS) {
    throw validation(`Invalid ${param}: The expression contains too many operators; operator count: ${raw.operatorCount}`);
  }
  const v = new Validator(ctx);
  if (raw.redundantParens) v.global.add('parens', 'The expression has redundant parentheses;');
  v.scanGlobal(raw.root, 'condition');
  const message = v.global.first(GLOBAL_ORDER) ?? v.firstLocal(raw.root);
  if (message !== undefined) throw validation(`Invalid ${param}: ${message}`);
  return v.condition(raw.root);
}

/** The type a node is known to produce before any item is seen (a value's type, or a function's result). */
function staticType(n: RawNode, ctx: ExpressionContext): string | undefined {
  if (n.kind === 'value') {
    const v = peekValue(ctx, n.text);
    return v ? typeOf(v) : undefined;
  }
  if (n.kind === 'call') {
    if (n.name === 'size') return 'N';
    if (n.name in FUNCTION_ARITY) return 'BOOL';
  }
  return undefined;
}

function peekValue(ctx: ExpressionContext, placeholder: string): AttributeValue | undefined {
  return ctx.values && Object.prototype.hasOwnProperty.call(ctx.values, placeholder) ? ctx.values[placeholder] : undefined;
}

function valueText(v: AttributeValue): string {
  const t = typeOf(v);
  return `AttributeValue: {${t}:${String((v as Record<string, unknown>)[t])}}`;
}

class Validator {
  readonly global = new Problems<Global>();

  constructor(private readonly ctx: ExpressionContext) {}

  /**
   * Whole-expression problems, children before parents: unknown and misused functions, reserved words.
   * `role` says whether the node stands where a condition or where an operand is expected.
   */
  scanGlobal(n: RawNode, role: 'condition' | 'operand'): void {
    switch (n.kind) {
      case 'path':
        for (const p of n.parts) {
          if (p.kind === 'ident' && isReservedWord(p.text)) {
            this.global.add('reserved', `Attribute name is a reserved keyword; reserved keyword: ${p.text}`);
          }
        }
        return;
      case 'value':
        return;
      case 'call':
        for (const a of n.args) this.scanGlobal(a, 'operand');
        if (!(n.name in FUNCTION_ARITY)) this.global.add('unknownFunction', `Invalid function name; function: ${n.name}`);
        for (const a of n.args) this.misuseAsOperand(a);
        if (role === 'condition' && n.name === 'size') this.misuse('size');
        return;
      case 'compare':
        this.scanGlobal(n.left, 'operand');
        this.scanGlobal(n.right, 'operand');
        this.misuseAsOperand(n.left);
        this.misuseAsOperand(n.right);
        return;
      case 'between':
        for (const a of [n.value, n.low, n.high]) this.scanGlobal(a, 'operand');
        for (const a of [n.value, n.low, n.high]) this.misuseAsOperand(a);
        return;
      case 'in':
        for (const a of [n.value, ...n.list]) this.scanGlobal(a, 'operand');
        for (const a of [n.value, ...n.list]) this.misuseAsOperand(a);
        return;
      case 'and':
      case 'or':
        this.scanGlobal(n.left, 'condition');
        this.scanGlobal(n.right, 'condition');
        return;
      case 'not':
        this.scanGlobal(n.operand, 'condition');
        return;
    }
  }

  private misuseAsOperand(n: RawNode): void {
    if (n.kind === 'call' && n.name !== 'size') this.misuse(n.name);
  }

  private misuse(name: string): void {
    this.global.add('misusedFunction', `The function is not allowed to be used this way in an expression; function: ${name}`);
  }

  /** The first condition, in written order, that has a problem, reported by the per-condition precedence. */
  firstLocal(n: RawNode): string | undefined {
    if (n.kind === 'and' || n.kind === 'or') return this.firstLocal(n.left) ?? this.firstLocal(n.right);
    if (n.kind === 'not') return this.firstLocal(n.operand);
    const p = new Problems<Local>();
    this.checkLeaf(n, p);
    return p.first(LOCAL_ORDER);
  }

  private checkLeaf(n: RawNode, p: Problems<Local>): void {
    switch (n.kind) {
      case 'compare': {
        this.checkOperand(n.left, p);
        this.checkOperand(n.right, p);
        this.checkDistinct(n.op, [n.left, n.right], p);
        if (n.op !== '=' && n.op !== '<>') this.checkOrdered(n.op, [n.left, n.right], p);
        return;
      }
      case 'between': {
        for (const a of [n.value, n.low, n.high]) this.checkOperand(a, p);
        this.checkOrdered('BETWEEN', [n.value, n.low, n.high], p);
        this.checkBounds(n.low, n.high, p);
        return;
      }
      case 'in': {
        for (const a of [n.value, ...n.list]) this.checkOperand(a, p);
        if (n.list.length > MAX_IN_OPERANDS) {
          p.add('operands', `The IN operator is provided with too many operands; number of operands: ${n.list.length}`);
        }
        return;
      }
      default:
        this.checkOperand(n, p);
    }
  }

  /** Placeholders, then function rules, children first. */
  private checkOperand(n: RawNode, p: Problems<Local>): void {
    if (n.kind === 'path') {
      for (const part of n.parts) {
        if (part.kind === 'name' && lookupName(this.ctx, part.text) === undefined) p.add('undefined', undefinedNameMessage(part.text));
      }
    } else if (n.kind === 'value') {
      if (lookupValue(this.ctx, n.text) === undefined) p.add('undefined', undefinedValueMessage(n.text));
    } else if (n.kind === 'call') {
      for (const a of n.args) this.checkOperand(a, p);
      this.checkCall(n, p);
    }
  }

  private checkCall(n: RawCall, p: Problems<Local>): void {
    const arity = FUNCTION_ARITY[n.name];
    if (arity === undefined) return;
    if (arity !== n.args.length) {
      p.add('operands', `Incorrect number of operands for operator or function; operator or function: ${n.name}, number of operands: ${n.args.length}`);
      return;
    }
    this.checkDistinct(n.name, n.args, p);
    const wrongType = (type: string) =>
      p.add('function', `Incorrect operand type for operator or function; operator or function: ${n.name}, operand type: ${type}`);
    switch (n.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        if (n.args[0]!.kind !== 'path') p.add('function', `Operator or function requires a document path; operator or function: ${n.name}`);
        return;
      case 'begins_with':
        for (const a of n.args) {
          const t = staticType(a, this.ctx);
          if (t !== undefined && t !== 'S' && t !== 'B') return wrongType(t);
        }
        return;
      case 'attribute_type': {
        const arg = n.args[1]!;
        const t = staticType(arg, this.ctx);
        if (t !== 'S') return wrongType(t ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
        const name = (peekValue(this.ctx, (arg as { text: string }).text) as { S: string }).S;
        if (!TYPE_NAMES.includes(name)) {
          p.add('function', `Invalid attribute type name found; type: ${name}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
        }
        return;
      }
      case 'size': {
        const t = staticType(n.args[0]!, this.ctx);
        if (t === 'N' || t === 'BOOL' || t === 'NULL') wrongType(t);
        return;
      }
    }
  }

  private checkDistinct(operator: string, args: readonly RawNode[], p: Problems<Local>): void {
    if (args.length !== 2 || args[0]!.kind !== 'path' || args[1]!.kind !== 'path') return;
    const a = this.resolvePath(args[0]!.parts);
    const b = this.resolvePath(args[1]!.parts);
    if (!a || !b || a.length !== b.length || a.some((x, i) => x !== b[i])) return;
    p.add('distinct', `The first operand must be distinct from the remaining operands for this operator or function; operator: ${operator}, first operand: ${pathToString(a)}`);
  }

  /** Ordering comparators and BETWEEN only take S, N and B. */
  private checkOrdered(operator: string, args: readonly RawNode[], p: Problems<Local>): void {
    for (const a of args) {
      const t = staticType(a, this.ctx);
      if (t !== undefined && t !== 'S' && t !== 'N' && t !== 'B') {
        p.add('function', `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${t}`);
        return;
      }
    }
  }

  private checkBounds(low: RawNode, high: RawNode, p: Problems<Local>): void {
    if (low.kind !== 'value' || high.kind !== 'value') return;
    const lo = peekValue(this.ctx, low.text);
    const hi = peekValue(this.ctx, high.text);
    if (!lo || !hi) return;
    const bounds = `lower bound operand: ${valueText(lo)}, upper bound operand: ${valueText(hi)}`;
    if (typeOf(lo) !== typeOf(hi)) {
      p.add('function', `The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`);
      return;
    }
    const cmp = compareValues(lo, hi);
    if (cmp !== undefined && cmp > 0) {
      p.add('function', `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`);
    }
  }

  resolvePath(parts: readonly RawPathPart[]): Path | undefined {
    const out: PathElement[] = [];
    for (const part of parts) {
      if (part.kind === 'index') out.push(part.index);
      else if (part.kind === 'ident') out.push(part.text);
      else {
        const name = lookupName(this.ctx, part.text);
        if (name === undefined) return undefined;
        out.push(name);
      }
    }
    return out as Path;
  }

  /** The resolved tree (only called once validation found nothing). */
  condition(n: RawNode): Condition {
    switch (n.kind) {
      case 'and':
      case 'or':
        return { kind: n.kind, left: this.condition(n.left), right: this.condition(n.right) };
      case 'not':
        return { kind: 'not', operand: this.condition(n.operand) };
      case 'compare':
        return { kind: 'compare', op: n.op, left: this.operand(n.left), right: this.operand(n.right) };
      case 'between':
        return { kind: 'between', operand: this.operand(n.value), low: this.operand(n.low), high: this.operand(n.high) };
      case 'in':
        return { kind: 'in', operand: this.operand(n.value), list: n.list.map((a) => this.operand(a)) };
      case 'call':
        return { kind: 'function', name: n.name as ConditionFunction, args: n.args.map((a) => this.operand(a)) };
      default:
        throw new Error(`not a condition: ${n.kind}`);
    }
  }

  operand(n: RawNode): Operand {
    if (n.kind === 'path') return { kind: 'path', path: this.resolvePath(n.parts)! };
    if (n.kind === 'value') return { kind: 'value', value: lookupValue(this.ctx, n.text)! };
    if (n.kind === 'call' && n.name === 'size') return { kind: 'size', operand: this.operand(n.args[0]!) };
    throw new Error(`not an operand: ${n.kind}`);
  }
}
