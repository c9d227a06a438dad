import { describe, expect, it } from 'vitest';
import { fromStreamReply } from '../model/stream-entry.js';
import { renderEventsPage, renderLivePage, renderLiveRow, renderRow } from './render.js';

const XSS = `"><img src=x onerror=alert(1)><script>alert('x')</script>`;

describe('renderRow', () => {
  it('escapes every value of the event in every place it appears: cells, summary and the pretty JSON', () => {
    const json = JSON.stringify({
      event_id: 'e1',
      user_id: '<b>u</b>',
      timestamp: 1_700_000_000_000,
      action: XSS,
      payload: { x: XSS },
    });
    const row = renderRow({ json, timestamp: 1_700_000_000_000 }).text;
    expect(row).not.toMatch(/<img|<script|<b>/);
    expect(row).toContain('&lt;script&gt;');
    expect(row).toContain('href="/events/%3Cb%3Eu%3C%2Fb%3E"');
    expect(row).toMatch(/<pre>\{\n {2}&quot;event_id&quot;/);
  });

  it('is what the live feed sends, from the entry’s t or an older consumer’s JSON; nothing for a non-event', () => {
    const json = JSON.stringify({ event_id: 'e2', user_id: 'u', timestamp: 5, action: 'a' });
    const [withT, withoutT, notJson, noTimestamp] = fromStreamReply([
      ['1-0', ['e', json, 't', '5']],
      ['2-0', ['e', json]],
      ['3-0', ['e', 'not json', 't', '5']],
      ['4-0', ['e', '{"user_id":"u"}']],
    ]);
    expect(renderLiveRow(withT!)).toBe(renderRow({ json, timestamp: 5 }).text);
    expect(renderLiveRow(withoutT!)).toBe(renderRow({ json, timestamp: 5 }).text);
    expect(renderLiveRow(notJson!)).toBeUndefined();
    expect(renderLiveRow(noTimestamp!)).toBeUndefined();
  });

  it('reads every event of an entry that holds a stored chunk, each with its own t and journey, in order', () => {
    const a = JSON.stringify({ event_id: 'a', user_id: 'u', timestamp: 7, action: 'x' });
    const b = JSON.stringify({ event_id: 'b', user_id: 'u', timestamp: 8, action: 'x' });
    const [first, second, third] = fromStreamReply([
      [
        '1700000000200-0',
        ['e', a, 't', '7', 'k', '1:10:1700000000100', 'e', b, 't', '8', 'e', a, 'k', '1:12:1700000000150'],
      ],
    ]);
    expect([first!.json, second!.json, third!.json]).toEqual([a, b, a]);
    expect([first!.id, second!.id, third!.id]).toEqual(['1700000000200-0', '1700000000200-0', '1700000000200-0']);
    expect([first!.timestamp, second!.timestamp, third!.timestamp]).toEqual([7, 8, 7]);
    expect(first!.journey).toEqual({
      partition: 1,
      offset: '10',
      publishedAt: 1_700_000_000_100,
      storedAt: 1_700_000_000_200,
    });
    expect(second!.journey).toBeUndefined();
    expect(third!.journey?.offset).toBe('12');
  });

  it('shows an event’s journey from its stream entry: partition, offset, published, stored and the latency', () => {
    const json = JSON.stringify({ event_id: 'e3', user_id: 'u', timestamp: 5, action: 'a' });
    const [entry, malformed] = fromStreamReply([
      ['1700000000140-0', ['e', json, 't', '5', 'k', '2:41:1700000000123']],
      ['1700000000150-0', ['e', json, 't', '5', 'k', '2:x:1']],
    ]);
    expect(entry!.journey).toEqual({
      partition: 2,
      offset: '41',
      publishedAt: 1_700_000_000_123,
      storedAt: 1_700_000_000_140,
    });
    const row = renderLiveRow(entry!)!;
    expect(row).toContain(
      'partition 2 · offset 41 · published <time datetime="2023-11-14T22:13:20.123Z">22:13:20.123</time>',
    );
    expect(row).toContain('<span class="latency">17 ms</span>');
    // Without a journey (gone from the stream, or a malformed field) the row is the plain one.
    expect(malformed!.journey).toBeUndefined();
    expect(renderLiveRow(malformed!)).toBe(renderRow({ json, timestamp: 5 }).text);
  });
});

describe('the pages', () => {
  const empty = { events: [], positions: [], scanned: [], exhausted: true, streamId: '7-0' };

  it('link every section from every page, marking the one shown', () => {
    const events = renderEventsPage({
      title: 'Events',
      page: empty,
      filter: {},
      limit: 50,
      live: true,
      formAction: '/events',
      emptyText: 'none',
    });
    const nav = /<nav class="site"[^>]*>(.*?)<\/nav>/s.exec(events)?.[1];
    expect(nav).toBe(
      '<a href="/events" aria-current="page">Events</a> <a href="/live">Live</a> ' +
        '<a href="/status">Status</a> <a href="/dlq">Dead letters</a> ',
    );
    expect(renderLivePage({}, '7-0', 50)).toContain('<a href="/live" aria-current="page">Live</a>');
  });

  it('the live page: no rows and no jump into the past, its filter kept, live from the given stream id', () => {
    const page = renderLivePage({ userId: 'alice', action: 'login' }, '9-3', 25);
    expect(page).toContain('data-live="on" data-limit="25" data-stream-id="9-3"');
    expect(page).toContain('<form id="filters" method="get" action="/live"');
    expect(page).toContain('name="user_id" value="alice"');
    expect(page).toContain('name="action" value="login"');
    expect(page).not.toContain('id="jump"');
    expect(page).toContain('<tbody></tbody>');
    expect(page).toContain('id="empty"');
  });

  it('the filter form: one labelled input per filter field with its value; none for user on a user’s page', () => {
    const page = (formAction: string) =>
      renderEventsPage({
        title: 'Events',
        page: empty,
        filter: { userId: 'ada', action: 'buy', text: 'red', where: 'payload.n>1' },
        limit: 50,
        live: false,
        formAction,
        emptyText: 'none',
      });
    const form = (html: string) => /<form id="filters"[^>]*>(.*?)<\/form>/s.exec(html)?.[1] ?? '';
    expect(
      form(page('/events'))
        .split('\n')
        .filter((line) => line.startsWith('<label>')),
    ).toEqual([
      '<label>user_id <input name="user_id" value="ada" autocomplete="off"></label>',
      '<label>action <input name="action" value="buy" autocomplete="off"></label>',
      '<label>text <input name="q" type="search" value="red" autocomplete="off"></label>',
      '<label>where <input name="where" value="payload.n&gt;1" autocomplete="off" ' +
        'placeholder="payload.item_id=item-220"></label>',
    ]);
    // The jump into the past keeps the whole filter.
    expect(/<form id="jump"[^>]*>(.*?)<\/form>/s.exec(page('/events'))?.[1]).toContain(
      '<input type="hidden" name="q" value="red">',
    );
    expect(form(page('/events/ada'))).not.toContain('name="user_id"');
  });
});
