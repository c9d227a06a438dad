import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const payload = `"><img src=x onerror=alert(1)><script>alert('x')</script>&`;
    expect(html`<td title="${payload}">${payload}</td>`.text).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">' +
        '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</td>',
    );
  });

  it('keeps nested fragments and arrays of fragments as markup, and drops empty values', () => {
    const rows = ['a<b', 'c'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${rows}${undefined}${null}${false}</ul>`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('escapes non-strings by their text', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml({ toString: () => '<x>' })).toBe('&lt;x&gt;');
  });
});
