/**
 * A small XML writer for the GeoReport v2 documents: elements only (no attributes), text escaped,
 * characters XML 1.0 forbids dropped. An object becomes its keys' elements in order; an array
 * becomes its items' elements one after another (`{ services: rows.map((r) => ({ service: r })) }`);
 * null and undefined become an empty element.
 */
export type XmlContent = string | number | boolean | null | undefined | XmlNode | XmlNode[];
export interface XmlNode { [name: string]: XmlContent }

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// Tab, newline and carriage return are the only control characters XML 1.0 allows; lone
// surrogates and U+FFFE/U+FFFF are not characters at all.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text as XML character data: escaped, with the characters XML cannot carry removed. */
export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function element(name: string, content: XmlContent): string {
  if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`);
  return `<${name}>${inner(content)}</${name}>`;
}

function inner(content: XmlContent): string {
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) return content.map(inner).join('');
  if (typeof content === 'object') return Object.entries(content).map(([k, v]) => element(k, v)).join('');
  return escapeXml(String(content));
}

/** A whole document with one root element. */
export function xmlDocument(root: string, content: XmlContent): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, content)}`;
}
