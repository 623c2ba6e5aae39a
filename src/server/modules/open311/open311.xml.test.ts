import { describe, expect, it } from 'vitest';
import { escapeXml, xmlDocument } from './open311.xml.js';

describe('the Open311 XML writer', () => {
  it('escapes markup and drops characters XML 1.0 cannot carry', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('a\u0000b\u0007c\td\ne\uFFFEf\uD800g')).toBe('abc\td\nefg');
    expect(escapeXml('垃圾 😀')).toBe('垃圾 😀');
  });

  it('writes objects as elements in order, arrays as repeated elements, null as an empty element', () => {
    const doc = xmlDocument('services', [{ service: { service_code: 'a.b', metadata: false, group: null } }, { service: { service_code: 'c<d' } }]);
    expect(doc).toBe('<?xml version="1.0" encoding="utf-8"?>\n<services><service><service_code>a.b</service_code><metadata>false</metadata><group></group></service>'
      + '<service><service_code>c&lt;d</service_code></service></services>');
  });

  it('refuses an element name that is not one', () => {
    expect(() => xmlDocument('a b', 'x')).toThrow();
    expect(() => xmlDocument('ok', { '<x>': 1 })).toThrow();
  });
});
