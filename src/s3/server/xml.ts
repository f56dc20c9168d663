/** Just enough XML for S3's REST-XML protocol: an escaping writer and a small, strict reader. */

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Escapes text for element content; characters XML 1.0 cannot carry literally become character references. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

export type XmlValue = string | number | boolean | null | undefined | XmlChild[];
export type XmlChild = [name: string, value: XmlValue] | string;

/**
 * Renders `[name, value]` pairs: strings/numbers/booleans become text elements, arrays become nested
 * elements, null/undefined are omitted, and a bare string child is spliced in as already-rendered XML.
 */
export function renderChildren(children: XmlChild[]): string {
  let out = '';
  for (const child of children) {
    if (typeof child === 'string') {
      out += child;
      continue;
    }
    const [name, value] = child;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) out += `<${name}>${renderChildren(value)}</${name}>`;
    else {
      const text = escapeXml(String(value));
      out += text === '' ? `<${name}></${name}>` : `<${name}>${text}</${name}>`;
    }
  }
  return out;
}

/** A whole document: declaration and a root element in the S3 namespace. */
export function xmlDocument(root: string, children: XmlChild[], namespace = true): string {
  const ns = namespace ? ` xmlns="${S3_NS}"` : '';
  return `${XML_DECL}<${root}${ns}>${renderChildren(children)}</${root}>`;
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlParseError extends Error {}

/** Parses a document into elements (namespaces prefixes stripped, attributes ignored). Throws XmlParseError. */
export function parseXml(input: string): XmlElement {
  let i = 0;
  const n = input.length;
  const fail = (why: string): never => {
    throw new XmlParseError(why);
  };
  const skipMisc = (): void => {
    for (;;) {
      while (i < n && /\s/.test(input[i]!)) i++;
      if (input.startsWith('<?', i)) {
        const end = input.indexOf('?>', i + 2);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else if (input.startsWith('<!--', i)) {
        const end = input.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (input.startsWith('<!DOCTYPE', i)) {
        fail('DOCTYPE is not allowed');
      } else return;
    }
  };
  const readName = (): string => {
    const start = i;
    while (i < n && !/[\s/>=]/.test(input[i]!)) i++;
    if (i === start) fail('expected a name');
    const name = input.slice(start, i);
    const colon = name.indexOf(':');
    return colon >= 0 ? name.slice(colon + 1) : name;
  };
  const parseElement = (depth: number): XmlElement => {
    if (depth > 64) fail('too deep');
    if (input[i] !== '<') fail('expected <');
    i++;
    const name = readName();
    // attributes
    for (;;) {
      while (i < n && /\s/.test(input[i]!)) i++;
      if (i >= n) fail('unterminated tag');
      if (input[i] === '/' && input[i + 1] === '>') {
        i += 2;
        return { name, children: [], text: '' };
      }
      if (input[i] === '>') {
        i++;
        break;
      }
      readName();
      while (i < n && /\s/.test(input[i]!)) i++;
      if (input[i] !== '=') fail('expected =');
      i++;
      while (i < n && /\s/.test(input[i]!)) i++;
      const q = input[i];
      if (q !== '"' && q !== "'") fail('expected quote');
      const end = input.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute');
      i = end + 1;
    }
    const el: XmlElement = { name, children: [], text: '' };
    let text = '';
    for (;;) {
      if (i >= n) fail(`unterminated element ${name}`);
      if (input.startsWith('</', i)) {
        i += 2;
        const close = readName();
        if (close !== name) fail(`mismatched </${close}>`);
        while (i < n && /\s/.test(input[i]!)) i++;
        if (input[i] !== '>') fail('expected >');
        i++;
        el.text = text;
        return el;
      }
      if (input.startsWith('<!--', i)) {
        const end = input.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (input.startsWith('<![CDATA[', i)) {
        const end = input.indexOf(']]>', i + 9);
        if (end < 0) fail('unterminated CDATA');
        text += input.slice(i + 9, end);
        i = end + 3;
      } else if (input[i] === '<') {
        el.children.push(parseElement(depth + 1));
      } else {
        const next = input.indexOf('<', i);
        const raw = input.slice(i, next < 0 ? n : next);
        text += decodeEntities(raw, fail);
        i = next < 0 ? n : next;
      }
    }
  };
  skipMisc();
  const root = parseElement(0);
  skipMisc();
  if (i !== n) fail('content after the root element');
  return root;
}

function decodeEntities(raw: string, fail: (why: string) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) fail('bad entity');
    switch (body) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : body.startsWith('#') ? parseInt(body.slice(1), 10) : NaN;
    if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) return fail(`bad entity &${body};`);
    return String.fromCodePoint(code);
  });
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
