import { describe, expect, it } from 'vitest';
import { renderRow, renderStoredJson } from './render-page.js';

const XSS = `"><img src=x onerror=alert(1)><script>alert('x')</script>`;

describe('renderRow', () => {
  it('escapes every value of the event in every place it appears: cells, summary and the pretty JSON', () => {
    const json = JSON.stringify({ event_id: 'e1', user_id: '<b>u</b>', timestamp: 1_700_000_000_000, action: XSS, payload: { x: XSS } });
    const row = renderRow({ json, timestamp: 1_700_000_000_000 }).text;
    expect(row).not.toMatch(/<img|<script|<b>/);
    expect(row).toContain('&lt;script&gt;');
    expect(row).toContain('href="/events/%3Cb%3Eu%3C%2Fb%3E"');
    expect(row).toMatch(/<pre>\{\n {2}&quot;event_id&quot;/);
  });

  it('is what the live feed sends, and nothing for an entry that is not an event', () => {
    const json = JSON.stringify({ event_id: 'e2', user_id: 'u', timestamp: 5, action: 'a' });
    expect(renderStoredJson(json)).toBe(renderRow({ json, timestamp: 5 }).text);
    expect(renderStoredJson('not json')).toBeUndefined();
    expect(renderStoredJson('{"user_id":"u"}')).toBeUndefined();
  });
});
