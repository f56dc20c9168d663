/**
 * UpdateExpression syntax and validation:
 *
 *   update   := section+
 *   section  := SET path = value (, ...)* | REMOVE path (, ...)* | ADD path :v (, ...)* | DELETE path :v (, ...)*
 *   value    := ( inner ) | inner          inner := operand [ (+|-) operand ]
 *   operand  := ( core ) | core            core  := function ( operand, ... ) | path | :value
 *
 * Precedence of problems (as DynamoDB reports them): syntax, reserved word, unknown function, repeated
 * section, undefined name, undefined value, overlapping paths, conflicting paths, ADD/DELETE operand type,
 * then function rules.
 */
import { validation } from '../../server/errors.js';
import type { AttributeValue } from '../types.js';
import { typeOf } from '../values.js';
import { beginExpression, lookupValue, Problems, undefinedValueMessage, type ExpressionContext } from './context.js';
import { parsePathParts, type RawPathPart } from './condition-parser.js';
import { clashMessage, findPathClash, type Path } from './paths.js';
import { resolveParts } from './projection.js';
import { Cursor, SyntaxErrorAt, syntaxMessage, type Token } from './tokenizer.js';

/** An operand of a SET value. */
export type UpdateOperand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'if_not_exists'; path: Path; fallback: UpdateOperand }
  | { kind: 'list_append'; left: UpdateOperand; right: UpdateOperand };

export type SetValue =
  | { kind: 'operand'; operand: UpdateOperand }
  | { kind: 'plus' | 'minus'; left: UpdateOperand; right: UpdateOperand };

export type UpdateAction =
  | { action: 'SET'; path: Path; value: SetValue }
  | { action: 'REMOVE'; path: Path }
  | { action: 'ADD'; path: Path; value: AttributeValue }
  | { action: 'DELETE'; path: Path; value: AttributeValue };

/** A validated update expression: its actions in written order. */
export interface UpdatePlan {
  actions: UpdateAction[];
}

// ------------------------------------------------------------------------------------------ syntax

type RawOperand =
  | { kind: 'path'; parts: RawPathPart[] }
  | { kind: 'value'; text: string }
  | { kind: 'call'; name: string; args: RawOperand[] };

type RawSetValue = { kind: 'operand'; operand: RawOperand } | { kind: '+' | '-'; left: RawOperand; right: RawOperand };

type SectionWord = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

type RawAction =
  | { action: 'SET'; path: RawPathPart[]; value: RawSetValue }
  | { action: 'REMOVE'; path: RawPathPart[] }
  | { action: 'ADD' | 'DELETE'; path: RawPathPart[]; value: string };

interface RawUpdate {
  actions: RawAction[];
  repeatedSection?: SectionWord;
}

const SECTIONS: readonly string[] = ['SET', 'REMOVE', 'ADD', 'DELETE'];
const isSectionWord = (w: string) => SECTIONS.includes(w.toUpperCase());

function parseSyntax(tokens: readonly Token[]): RawUpdate {
  const c: Cursor = new Cursor(tokens);
  const out: RawUpdate = { actions: [] };
  const seen = new Set<SectionWord>();
  const path = () => parsePathParts(c, isSectionWord);
  do {
    const t = c.peek();
    if (!t || t.kind !== 'ident' || !isSectionWord(t.text)) c.fail();
    c.pos++;
    const word = t.text.toUpperCase() as SectionWord;
    for (;;) {
      if (word === 'SET') {
        const target = path();
        c.expectPunct('=');
        out.actions.push({ action: 'SET', path: target, value: parseSetValue(c) });
      } else if (word === 'REMOVE') {
        out.actions.push({ action: 'REMOVE', path: path() });
      } else {
        const target = path();
        const v = c.peek();
        if (!v || v.kind !== 'value') c.fail();
        c.pos++;
        out.actions.push({ action: word, path: target, value: v.text });
      }
      if (!c.isPunct(',')) break;
      c.pos++;
    }
    if (seen.has(word) && !out.repeatedSection) out.repeatedSection = word;
    seen.add(word);
  } while (!c.atEnd());
  return out;
}

function parseSetValue(c: Cursor): RawSetValue {
  if (c.isPunct('(')) {
    const open = c.pos;
    c.pos++;
    const inner = parseSetInner(c);
    c.expectPunct(')');
    // `(a) + b`: the parentheses held just the first operand.
    if (inner.kind === 'operand' && (c.isPunct('+') || c.isPunct('-'))) {
      c.pos = open;
      return parseSetInner(c);
    }
    return inner;
  }
  return parseSetInner(c);
}

function parseSetInner(c: Cursor): RawSetValue {
  const left = parseOperandParens(c);
  if (c.isPunct('+') || c.isPunct('-')) {
    const op = c.next().text as '+' | '-';
    return { kind: op, left, right: parseOperandParens(c) };
  }
  return { kind: 'operand', operand: left };
}

function parseOperandParens(c: Cursor): RawOperand {
  if (c.isPunct('(')) {
    c.pos++;
    const o = parseOperandCore(c);
    c.expectPunct(')');
    return o;
  }
  return parseOperandCore(c);
}

function parseOperandCore(c: Cursor): RawOperand {
  const t = c.peek();
  if (!t) c.fail();
  if (t.kind === 'value') {
    c.pos++;
    return { kind: 'value', text: t.text };
  }
  if (t.kind === 'ident' && c.isPunct('(', 1) && !isSectionWord(t.text)) {
    c.pos += 2;
    const args = [parseOperandParens(c)];
    while (c.isPunct(',')) {
      c.pos++;
      args.push(parseOperandParens(c));
    }
    c.expectPunct(')');
    return { kind: 'call', name: t.text, args };
  }
  return { kind: 'path', parts: parsePathParts(c, isSectionWord) };
}

// ------------------------------------------------------------------------------------------ semantics

type Category = 'reserved' | 'unknownFunction' | 'section' | 'undefined' | 'undefinedValue' | 'operand' | 'function';

const OPERAND_TYPE_NAMES: Record<string, string> = {
  S: 'STRING', N: 'NUMBER', B: 'BINARY', NULL: 'NULL', BOOL: 'BOOLEAN', L: 'LIST', M: 'MAP',
};

const FUNCTION_ARITY: Record<string, number> = { if_not_exists: 2, list_append: 2 };

export function parseUpdate(expr: string, ctx: ExpressionContext): UpdatePlan {
  const param = 'UpdateExpression';
  const tokens = beginExpression(expr, ctx, param);
  let raw: RawUpdate;
  try {
    raw = parseSyntax(tokens);
  } catch (e) {
    if (e instanceof SyntaxErrorAt) throw validation(`Invalid ${param}: ${syntaxMessage(expr, tokens, e.at)}`);
    throw e;
  }
  const s = new Semantics(ctx);
  const actions = s.actions(raw.actions);
  if (raw.repeatedSection) s.p.add('section', `The "${raw.repeatedSection}" section can only be used once in an update expression;`);
  let message = s.p.first(['reserved', 'unknownFunction', 'section', 'undefined', 'undefinedValue']);
  if (message === undefined) {
    const clash = findPathClash(s.targets);
    if (clash) message = clashMessage(clash);
  }
  message ??= s.p.first(['operand', 'function']);
  if (message !== undefined) throw validation(`Invalid ${param}: ${message}`);
  return { actions };
}

/** Resolves the raw actions while recording every problem by category. */
class Semantics {
  readonly p = new Problems<Category>();
  /** Every resolvable target path, in written order (for the overlap and conflict checks). */
  readonly targets: Path[] = [];
  constructor(private readonly ctx: ExpressionContext) {}

  actions(raw: readonly RawAction[]): UpdateAction[] {
    const out: UpdateAction[] = [];
    for (const a of raw) {
      const path = this.path(a.path);
      if (path) this.targets.push(path);
      switch (a.action) {
        case 'SET': {
          const value = this.setValue(a.value);
          if (path && value) out.push({ action: 'SET', path, value });
          break;
        }
        case 'REMOVE':
          if (path) out.push({ action: 'REMOVE', path });
          break;
        default: {
          const value = this.value(a.value);
          if (value) {
            const t = typeOf(value);
            const allowed = t === 'SS' || t === 'NS' || t === 'BS' || (a.action === 'ADD' && t === 'N');
            if (!allowed) {
              this.p.add('operand', `Incorrect operand type for operator or function; operator: ${a.action}, operand type: ${OPERAND_TYPE_NAMES[t] ?? t}`);
            }
          }
          if (path && value) out.push({ action: a.action, path, value });
        }
      }
    }
    return out;
  }

  private path(parts: readonly RawPathPart[]): Path | undefined {
    return resolveParts(parts, this.ctx, this.p as Problems<'reserved' | 'undefined'>);
  }

  private value(placeholder: string): AttributeValue | undefined {
    const v = lookupValue(this.ctx, placeholder);
    if (v === undefined) this.p.add('undefinedValue', undefinedValueMessage(placeholder));
    return v;
  }

  private setValue(v: RawSetValue): SetValue | undefined {
    if (v.kind === 'operand') {
      const operand = this.operand(v.operand);
      return operand && { kind: 'operand', operand };
    }
    const left = this.operand(v.left);
    const right = this.operand(v.right);
    this.checkTypes(v.kind, [v.left, v.right], ['N']);
    return left && right && { kind: v.kind === '+' ? 'plus' : 'minus', left, right };
  }

  private operand(o: RawOperand): UpdateOperand | undefined {
    if (o.kind === 'path') {
      const path = this.path(o.parts);
      return path && { kind: 'path', path };
    }
    if (o.kind === 'value') {
      const value = this.value(o.text);
      return value && { kind: 'value', value };
    }
    const args = o.args.map((a) => this.operand(a));
    const arity = FUNCTION_ARITY[o.name];
    if (arity === undefined) {
      this.p.add('unknownFunction', `Invalid function name; function: ${o.name}`);
      return undefined;
    }
    if (arity !== o.args.length) {
      this.p.add('function', `Incorrect number of operands for operator or function; operator or function: ${o.name}, number of operands: ${o.args.length}`);
      return undefined;
    }
    if (o.name === 'if_not_exists') {
      const first = o.args[0]!;
      if (first.kind !== 'path') {
        this.p.add('function', `Operator or function requires a document path; operator or function: ${o.name}`);
        return undefined;
      }
      const [path, fallback] = args as [UpdateOperand | undefined, UpdateOperand | undefined];
      return path && fallback && path.kind === 'path' ? { kind: 'if_not_exists', path: path.path, fallback } : undefined;
    }
    this.checkTypes(o.name, o.args, ['L']);
    const [left, right] = args;
    return left && right && { kind: 'list_append', left, right };
  }

  /** The literal operands of `fn` must be of one of `types` (function results are checked at run time). */
  private checkTypes(fn: string, args: readonly RawOperand[], types: readonly string[]): void {
    for (const a of args) {
      if (a.kind !== 'value') continue;
      const v = this.ctx.values && Object.prototype.hasOwnProperty.call(this.ctx.values, a.text) ? this.ctx.values[a.text] : undefined;
      if (!v) continue;
      const t = typeOf(v);
      if (!types.includes(t)) {
        this.p.add('function', `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${t}`);
        return;
      }
    }
  }
}
