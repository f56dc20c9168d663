/**
 * Ion text of an item straight from its stored wire-JSON text, without building the item: a full Ion
 * export spends half its line-building time in JSON.parse otherwise (bench/README.md). The stored text is
 * JSON.stringify's output of a normalised item, so a small scanner over exactly that shape suffices;
 * anything it does not expect (whitespace, escapes it would have to decode, integer-like attribute names
 * that JSON.parse would reorder) returns undefined and the caller takes the parse-and-serialize path, so
 * the text is always identical to {@link ionItemText} of the parsed item (a unit test checks it).
 */
import { ionNumber, ionString, ionSymbol } from './ion.js';

const SET_ANNOTATION: Record<string, string> = { SS: '$dynamodb_SS', NS: '$dynamodb_NS', BS: '$dynamodb_BS' };

/** Thrown inside the scanner when the text leaves the fast path; never escapes ionStructFromJson. */
const BAIL = new Error('not the fast path');

/** Attribute names recur item after item: their Ion symbol text, by their raw JSON text. */
const symbols = new Map<string, string>();
const INTEGER_LIKE = /^(0|[1-9]\d*)$/;
const UNESCAPED_DIFFERS = /[\\\x7f-\x9f]/;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  expect(c: number): void {
    if (this.s.charCodeAt(this.i) !== c) throw BAIL;
    this.i++;
  }

  /** The raw text between the quotes of a string that needs no unescaping for Ion. */
  rawString(): string {
    this.expect(34 /* " */);
    const end = this.s.indexOf('"', this.i);
    if (end < 0) throw BAIL;
    const raw = this.s.slice(this.i, end);
    // A backslash (an escape to decode; an escaped quote ends the slice early but keeps its backslash),
    // or a character Ion escapes and JSON does not (DEL, C1 controls).
    if (UNESCAPED_DIFFERS.test(raw)) throw BAIL;
    this.i = end + 1;
    return raw;
  }

  /** A string value as Ion: JSON's and Ion's quoting agree when nothing needs escaping. */
  stringValue(): string {
    return `"${this.rawString()}"`;
  }

  list(item: () => string): string {
    this.expect(91 /* [ */);
    let out = '[';
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      return '[]';
    }
    for (;;) {
      out += item();
      const c = this.s.charCodeAt(this.i++);
      if (c === 93) return out + ']';
      if (c !== 44) throw BAIL;
      out += ',';
    }
  }

  /** `{"T":value}`: one AttributeValue. */
  attributeValue(): string {
    this.expect(123 /* { */);
    const type = this.rawString();
    this.expect(58 /* : */);
    let out: string;
    switch (type) {
      case 'S':
        out = this.stringValue();
        break;
      case 'N':
        out = ionNumber(this.rawString());
        break;
      case 'B':
        out = `{{${Buffer.from(this.rawString(), 'base64').toString('base64')}}}`;
        break;
      case 'BOOL':
        out = this.literal();
        break;
      case 'NULL':
        this.literal();
        out = 'null';
        break;
      case 'M':
        out = this.struct();
        break;
      case 'L':
        out = this.list(() => this.attributeValue());
        break;
      case 'SS':
        out = `${SET_ANNOTATION.SS}::${this.list(() => this.stringValue())}`;
        break;
      case 'NS':
        out = `${SET_ANNOTATION.NS}::${this.list(() => ionNumber(this.rawString()))}`;
        break;
      case 'BS':
        out = `${SET_ANNOTATION.BS}::${this.list(() => `{{${Buffer.from(this.rawString(), 'base64').toString('base64')}}}`)}`;
        break;
      default:
        throw BAIL;
    }
    this.expect(125 /* } */);
    return out;
  }

  literal(): string {
    if (this.s.startsWith('true', this.i)) {
      this.i += 4;
      return 'true';
    }
    if (this.s.startsWith('false', this.i)) {
      this.i += 5;
      return 'false';
    }
    throw BAIL;
  }

  /** `{"name":AttributeValue,...}` as an Ion struct, names in text order. */
  struct(): string {
    this.expect(123 /* { */);
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return '{}';
    }
    let out = '{';
    for (;;) {
      const raw = this.rawString();
      let sym = symbols.get(raw);
      if (sym === undefined) {
        // JSON.parse would enumerate integer-like names first: leave those to the slow path.
        if (INTEGER_LIKE.test(raw)) throw BAIL;
        sym = ionSymbol(raw);
        if (symbols.size >= 10_000) symbols.clear();
        symbols.set(raw, sym);
      }
      this.expect(58 /* : */);
      out += `${sym}:${this.attributeValue()}`;
      const c = this.s.charCodeAt(this.i++);
      if (c === 125) return out + '}';
      if (c !== 44) throw BAIL;
      out += ',';
    }
  }
}

/** The Ion struct text of an item's stored JSON, or undefined when the text leaves the fast path. */
export function ionStructFromJson(json: string): string | undefined {
  const sc = new Scanner(json);
  try {
    const out = sc.struct();
    return sc.i === json.length ? out : undefined;
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}
