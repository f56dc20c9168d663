/**
 * The lexer shared by every expression kind, and the cursor the recursive-descent parsers walk.
 * Syntax errors are reported as AWS does: the offending token and the text "near" it
 * (the previous token, the offending one and the next, with the whitespace between them).
 */

export type TokenKind = 'ident' | 'name' | 'value' | 'number' | 'punct' | 'invalid';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const PUNCT2 = ['<>', '<=', '>='];
const PUNCT1 = '()[],.=<>+-';

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src[i]!)) i++;
      kind = 'ident';
    } else if (c === '#' || c === ':') {
      i++;
      while (i < src.length && isIdentPart(src[i]!)) i++;
      kind = c === '#' ? 'name' : 'value';
    } else if (c >= '0' && c <= '9') {
      while (i < src.length && src[i]! >= '0' && src[i]! <= '9') i++;
      kind = 'number';
    } else if (PUNCT2.includes(src.slice(i, i + 2))) {
      i += 2;
      kind = 'punct';
    } else if (PUNCT1.includes(c)) {
      i++;
      kind = 'punct';
    } else {
      // One code point, so a surrogate pair is reported whole.
      i += (src.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      kind = 'invalid';
    }
    out.push({ kind, text: src.slice(start, i), start, end: i });
  }
  return out;
}

/** A syntax error at token index `at` (tokens.length means end of input). */
export class SyntaxErrorAt extends Error {
  constructor(readonly at: number) {
    super('syntax error');
  }
}

/** AWS's `Syntax error; token: "x", near: "..."` text for a failure at token index `at`. */
export function syntaxMessage(src: string, tokens: readonly Token[], at: number): string {
  const token = at < tokens.length ? tokens[at]!.text : '<EOF>';
  const start = at > 0 ? tokens[at - 1]!.start : 0;
  let end: number;
  if (at >= tokens.length) end = src.length;
  else if (at + 1 < tokens.length) end = tokens[at + 1]!.end;
  else end = src.length;
  return `Syntax error; token: "${token}", near: "${src.slice(start, end)}"`;
}

/** Token cursor with the helpers the parsers share. */
export class Cursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  fail(at = this.pos): never {
    throw new SyntaxErrorAt(at);
  }

  isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }

  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  expectPunct(text: string): Token {
    if (!this.isPunct(text)) this.fail();
    return this.tokens[this.pos++]!;
  }

  next(): Token {
    const t = this.peek();
    if (!t) this.fail();
    this.pos++;
    return t;
  }
}
