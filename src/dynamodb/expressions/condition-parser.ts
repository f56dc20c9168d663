/**
 * Syntax of condition expressions (ConditionExpression, FilterExpression, KeyConditionExpression):
 *
 *   or         := and ( OR and )*
 *   and        := not ( AND not )*
 *   not        := NOT not | comparison
 *   comparison := primary [ comparator primary | BETWEEN primary AND primary | IN ( primary, ... ) ]
 *   primary    := ( or ) | function ( primary, ... ) | path | :value
 *
 * Parentheses may hold either a condition or an operand, so the parser builds one tree of both and
 * rejects a condition where an operand belongs (and vice versa) at the token AWS would report.
 * Semantic rules (names, types, functions) are checked afterwards, in condition.ts.
 */
import { Cursor, type Token } from './tokenizer.js';

export type RawPathPart = { kind: 'ident' | 'name'; text: string } | { kind: 'index'; index: number };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

interface Span {
  /** Times the node was wrapped in parentheses. */
  parens: number;
  /** Token index just after the node. */
  end: number;
}

export type RawPath = Span & { kind: 'path'; parts: RawPathPart[] };
export type RawValue = Span & { kind: 'value'; text: string };
export type RawCall = Span & { kind: 'call'; name: string; args: RawNode[] };
export type RawCompare = Span & { kind: 'compare'; op: Comparator; left: RawNode; right: RawNode; opAt: number };
export type RawBetween = Span & { kind: 'between'; value: RawNode; low: RawNode; high: RawNode; opAt: number };
export type RawIn = Span & { kind: 'in'; value: RawNode; list: RawNode[]; opAt: number };
export type RawLogical = Span & { kind: 'and' | 'or'; left: RawNode; right: RawNode; opAt: number };
export type RawNot = Span & { kind: 'not'; operand: RawNode; opAt: number };

export type RawOperand = RawPath | RawValue;
export type RawNode = RawPath | RawValue | RawCall | RawCompare | RawBetween | RawIn | RawLogical | RawNot;

export interface RawCondition {
  root: RawNode;
  /** Some node was wrapped in two pairs of parentheses at once. */
  redundantParens: boolean;
  /** Operators and functions used (AND, OR, NOT, comparators, BETWEEN, IN, function calls). */
  operatorCount: number;
}

const MAX_PAREN_DEPTH = 301;

/** Parentheses nested deeper than any non-redundant expression can need. */
export class TooDeep extends Error {}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const COMPARATORS = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);

export function isOperandNode(n: RawNode): n is RawOperand {
  return n.kind === 'path' || n.kind === 'value';
}

function isConditionNode(n: RawNode): boolean {
  return n.kind !== 'path' && n.kind !== 'value' && n.kind !== 'call';
}

class ConditionParser {
  private readonly c: Cursor;
  redundantParens = false;
  operatorCount = 0;
  private depth = 0;

  constructor(tokens: readonly Token[]) {
    this.c = new Cursor(tokens);
  }

  parse(): RawCondition {
    const root = this.parseOr();
    if (!this.c.atEnd()) this.c.fail();
    this.requireCondition(root);
    return { root, redundantParens: this.redundantParens, operatorCount: this.operatorCount };
  }

  /** A plain path or value cannot stand where a condition is expected: AWS stops at the token after it. */
  private requireCondition(n: RawNode): void {
    if (isOperandNode(n)) this.c.fail(n.end);
  }

  /** A condition cannot stand where an operand is expected: AWS stops at its operator. */
  private requireOperand(n: RawNode): void {
    if (isConditionNode(n)) this.c.fail((n as RawCompare).opAt);
  }

  private parseOr(): RawNode {
    let left = this.parseAnd();
    while (this.c.isKeyword('OR')) {
      const opAt = this.c.pos++;
      this.requireCondition(left);
      const right = this.parseAnd();
      this.requireCondition(right);
      this.operatorCount++;
      left = { kind: 'or', left, right, opAt, parens: 0, end: this.c.pos };
    }
    return left;
  }

  private parseAnd(): RawNode {
    let left = this.parseNot();
    while (this.c.isKeyword('AND')) {
      const opAt = this.c.pos++;
      this.requireCondition(left);
      const right = this.parseNot();
      this.requireCondition(right);
      this.operatorCount++;
      left = { kind: 'and', left, right, opAt, parens: 0, end: this.c.pos };
    }
    return left;
  }

  private parseNot(): RawNode {
    if (this.c.isKeyword('NOT')) {
      const opAt = this.c.pos++;
      const operand = this.parseNot();
      this.requireCondition(operand);
      this.operatorCount++;
      return { kind: 'not', operand, opAt, parens: 0, end: this.c.pos };
    }
    return this.parseComparison();
  }

  private parseComparison(): RawNode {
    const left = this.parsePrimary();
    const t = this.c.peek();
    if (!t) return left;
    if (t.kind === 'punct' && COMPARATORS.has(t.text)) {
      if (isConditionNode(left)) this.c.fail();
      const opAt = this.c.pos++;
      const right = this.parseOperand();
      this.operatorCount++;
      return { kind: 'compare', op: t.text as Comparator, left, right, opAt, parens: 0, end: this.c.pos };
    }
    if (this.c.isKeyword('BETWEEN')) {
      if (isConditionNode(left)) this.c.fail();
      const opAt = this.c.pos++;
      const low = this.parseOperand();
      if (!this.c.isKeyword('AND')) this.c.fail();
      this.c.pos++;
      const high = this.parseOperand();
      this.operatorCount++;
      return { kind: 'between', value: left, low, high, opAt, parens: 0, end: this.c.pos };
    }
    if (this.c.isKeyword('IN')) {
      if (isConditionNode(left)) this.c.fail();
      const opAt = this.c.pos++;
      this.c.expectPunct('(');
      const list = [this.parseOperand()];
      while (this.c.isPunct(',')) {
        this.c.pos++;
        list.push(this.parseOperand());
      }
      this.c.expectPunct(')');
      this.operatorCount++;
      return { kind: 'in', value: left, list, opAt, parens: 0, end: this.c.pos };
    }
    return left;
  }

  private parseOperand(): RawNode {
    const n = this.parsePrimary();
    this.requireOperand(n);
    return n;
  }

  private parsePrimary(): RawNode {
    const t = this.c.peek();
    if (!t) this.c.fail();
    if (t.kind === 'punct' && t.text === '(') {
      // Past 300 levels (the operator limit) some pair of parentheses must be redundant.
      if (this.depth >= MAX_PAREN_DEPTH) throw new TooDeep();
      this.c.pos++;
      this.depth++;
      const inner = this.parseOr();
      this.depth--;
      this.c.expectPunct(')');
      if (inner.parens > 0 && inner.end === this.c.pos - 1) this.redundantParens = true;
      inner.parens++;
      inner.end = this.c.pos;
      return inner;
    }
    if (t.kind === 'ident' && this.c.isPunct('(', 1)) {
      if (KEYWORDS.has(t.text.toUpperCase())) this.c.fail();
      this.c.pos += 2;
      const args = [this.parseOperand()];
      while (this.c.isPunct(',')) {
        this.c.pos++;
        args.push(this.parseOperand());
      }
      this.c.expectPunct(')');
      this.operatorCount++;
      return { kind: 'call', name: t.text, args, parens: 0, end: this.c.pos };
    }
    if (t.kind === 'value') {
      this.c.pos++;
      return { kind: 'value', text: t.text, parens: 0, end: this.c.pos };
    }
    if (t.kind === 'ident' || t.kind === 'name') {
      return { kind: 'path', parts: parsePathParts(this.c, (w) => KEYWORDS.has(w.toUpperCase())), parens: 0, end: this.c.pos };
    }
    this.c.fail();
  }
}

/**
 * name ( . name | [ digits ] )*  where name is an identifier or a #placeholder.
 * `isKeyword` rejects the words that cannot be attribute names in this grammar.
 */
export function parsePathParts(c: Cursor, isKeyword: (word: string) => boolean): RawPathPart[] {
  const parts: RawPathPart[] = [pathName(c, isKeyword)];
  for (;;) {
    if (c.isPunct('.')) {
      c.pos++;
      parts.push(pathName(c, isKeyword));
    } else if (c.isPunct('[')) {
      c.pos++;
      const t = c.peek();
      if (!t || t.kind !== 'number') c.fail();
      c.pos++;
      c.expectPunct(']');
      parts.push({ kind: 'index', index: Number(t.text) });
    } else {
      return parts;
    }
  }
}

function pathName(c: Cursor, isKeyword: (word: string) => boolean): RawPathPart {
  const t = c.peek();
  if (!t || (t.kind !== 'ident' && t.kind !== 'name') || (t.kind === 'ident' && isKeyword(t.text))) c.fail();
  c.pos++;
  return { kind: t.kind, text: t.text };
}

export function parseConditionSyntax(tokens: readonly Token[]): RawCondition {
  return new ConditionParser(tokens).parse();
}
