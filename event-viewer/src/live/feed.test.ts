import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { StreamEntry } from '../model/stream-entry.js';
import { compareStreamIds } from '../model/stream-id.js';
import { createLiveFeed, type LiveSink } from './feed.js';

/** The stream as Redis would answer, from an array. */
function fakeStream(entries: StreamEntry[], oldestKeptAfterTrim?: string) {
  return {
    entries,
    // `count` stream entries: the events of one entry (one id) come whole.
    after: async (afterId: string, count: number) => {
      const later = entries.filter((e) => compareStreamIds(e.id, afterId) > 0);
      const ids = [...new Set(later.map((e) => e.id))].slice(0, count);
      return later.filter((e) => ids.includes(e.id));
    },
    oldestKeptAfterTrim: async () => oldestKeptAfterTrim,
    newest: async () => entries.at(-1)?.id ?? '0-0',
  };
}

/** A sink that records every chunk as written, whatever it is. */
function rawSink(buffered = 0) {
  const state = { chunks: [] as string[], opened: 0, destroyed: false, ended: false, buffered, close: () => {} };
  const sink: LiveSink = {
    open: () => void state.opened++,
    write: (chunk) => void state.chunks.push(chunk),
    get bufferedBytes() {
      return state.buffered;
    },
    destroy: () => {
      state.destroyed = true;
    },
    end: () => {
      state.ended = true;
    },
    onClose: (listener) => {
      state.close = listener;
    },
  };
  return { sink, state };
}

/** A recording sink read as the browser reads it: its messages (id, event, data) and the rows they carry. */
function fakeSink() {
  const { sink, state } = rawSink();
  const parse = (chunk: string) => {
    const lines = chunk.trimEnd().split('\n');
    const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
    return { id: field('id')[0], event: field('event')[0]!, data: field('data').join('\n') };
  };
  const messages = () => state.chunks.filter((c) => c.startsWith('event:') || c.startsWith('id:')).map(parse);
  /** The user ids of every row sent, in order. */
  const rows = () =>
    messages()
      .filter((m) => m.event === 'rows')
      .flatMap((m) => m.data.split('|').filter(Boolean));
  return {
    sink,
    state,
    rows,
    get messages() {
      return messages();
    },
  };
}

const entry = (n: number, user = `u${n}`): StreamEntry => ({
  id: `1000-${n}`,
  json: JSON.stringify({ user_id: user, n }),
  timestamp: n,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

function feed(stream: ReturnType<typeof fakeStream>, overrides: Partial<Parameters<typeof createLiveFeed>[0]> = {}) {
  return createLiveFeed({
    source: stream,
    renderEntry: (e) => `${(JSON.parse(e.json) as { user_id: string }).user_id}|`,
    matches: (e, filter) =>
      filter.userId === undefined || (JSON.parse(e.json) as { user_id: string }).user_id === filter.userId,
    maxClients: 10,
    maxClientsPerAddress: 3,
    maxBufferedBytes: 1_000,
    catchUpBatch: 2,
    ...overrides,
  });
}

describe('the live feed', () => {
  it('sends each new entry once to a client in step, with the stream id as the SSE id', () => {
    const stream = fakeStream([]);
    const live = feed(stream);
    live.setHead('0-0');
    const client = fakeSink();
    expect(live.add(client.sink, { address: 'a', filter: {} })).toBe('added');
    live.publish([entry(1), entry(2)]);
    live.publish([entry(3)]);
    expect(client.rows()).toEqual(['u1', 'u2', 'u3']);
    expect(client.messages.map((m) => m.id)).toEqual(['1000-2', '1000-3']);
  });

  it('gives a reconnecting client exactly what it missed after Last-Event-ID, in order, then new ones', async () => {
    const stream = fakeStream([1, 2, 3, 4, 5].map((n) => entry(n)));
    const live = feed(stream);
    live.setHead('1000-5');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '1000-2' });
    await settle();
    await settle();
    stream.entries.push(entry(6));
    live.publish([entry(6)]);
    await settle();
    expect(client.rows()).toEqual(['u3', 'u4', 'u5', 'u6']);
  });

  it('takes entries published while it catches up once, in order', async () => {
    const stream = fakeStream([1, 2, 3].map((n) => entry(n)));
    const live = feed(stream);
    live.setHead('1000-3');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '1000-0' });
    stream.entries.push(entry(4), entry(5));
    live.publish([entry(4), entry(5)]);
    for (let i = 0; i < 10; i++) await settle();
    expect(client.rows()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('skips nothing and repeats nothing for a client whose page was read ahead of the reader', () => {
    const live = feed(fakeStream([]));
    live.setHead('1000-1');
    const client = fakeSink();
    // The page was read after entry 2 was stored, before the reader published it.
    live.add(client.sink, { address: 'a', filter: {}, since: '1000-2' });
    live.publish([entry(2), entry(3)]);
    expect(client.rows()).toEqual(['u3']);
  });

  it('sends a client only the rows its filter matches, and still moves its cursor', () => {
    const live = feed(fakeStream([]));
    live.setHead('0-0');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: { userId: 'bob' } });
    live.publish([entry(1, 'alice'), entry(2, 'bob'), entry(3, 'alice')]);
    live.publish([entry(4, 'alice')]);
    expect(client.rows()).toEqual(['bob']);
    expect(client.messages.map((m) => m.id)).toEqual(['1000-3']);
  });

  it('tells a client that reconnects from before a trimmed entry that it missed events, and only then', async () => {
    const quiet = fakeSink();
    const untrimmed = feed(fakeStream([entry(1)]));
    untrimmed.setHead('1000-1');
    untrimmed.add(quiet.sink, { address: 'a', filter: {}, since: '0-0' });
    for (let i = 0; i < 5; i++) await settle();
    expect(quiet.messages.map((m) => m.event)).toEqual(['rows']);

    const stream = fakeStream([entry(5), entry(6)], '1000-5');
    const gaps: string[] = [];
    const live = feed(stream, { onGap: (reason) => void gaps.push(reason) });
    live.setHead('1000-6');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '1000-1' });
    for (let i = 0; i < 5; i++) await settle();
    expect(client.messages.map((m) => m.event)).toEqual(['gap', 'rows']);
    expect(gaps).toEqual(['trimmed']);
    expect(client.rows()).toEqual(['u5', 'u6']);
  });

  it('drops a client that did not read what it was sent (unsent bytes past the bound), serves the others', () => {
    let dropped = 0;
    const live = feed(fakeStream([]), { onDropped: () => void dropped++ });
    live.setHead('0-0');
    const slow = fakeSink();
    const fast = fakeSink();
    live.add(slow.sink, { address: 'a', filter: {} });
    live.add(fast.sink, { address: 'b', filter: {} });
    live.publish([entry(1)]);
    slow.state.buffered = 5_000;
    live.publish([entry(2)]);
    expect(slow.state.destroyed).toBe(true);
    expect(dropped).toBe(1);
    expect(live.clients).toBe(1);
    live.publish([entry(3)]);
    expect(fast.rows()).toEqual(['u1', 'u2', 'u3']);
    expect(slow.rows()).toEqual(['u1']);
  });

  it('sends a burst past the buffer bound in bounded messages, each its own id; drops only a reader that fails', () => {
    const live = feed(fakeStream([]), { maxBufferedBytes: 1_000, maxMessageBytes: 300 });
    live.setHead('0-0');
    // Sockets that take nothing until the test says so: every write stays buffered, as with a slow reader.
    const slowSink = () => {
      const reader = fakeSink();
      const write = reader.sink.write;
      reader.sink.write = (chunk) => {
        write(chunk);
        reader.state.buffered += Buffer.byteLength(chunk);
      };
      return reader;
    };
    const reader = slowSink();
    const stalled = slowSink();
    live.add(reader.sink, { address: 'a', filter: {} });
    live.add(stalled.sink, { address: 'b', filter: {} });
    const big = (n: number): StreamEntry => ({
      id: `1000-${n}`,
      json: JSON.stringify({ user_id: `u${n}${'x'.repeat(100)}` }),
      timestamp: n,
    });
    // 30 rows of ~105 bytes: about 3 KB in one burst, three times the bound, all buffered unread.
    live.publish(Array.from({ length: 30 }, (_, i) => big(i + 1)));
    for (const client of [reader, stalled]) {
      expect(client.state.buffered).toBeGreaterThan(3 * 1_000);
      // Not dropped for the burst just written: only what a reader failed to take counts.
      expect(client.state.destroyed).toBe(false);
      const messages = client.messages.filter((m) => m.event === 'rows');
      expect(messages.length).toBeGreaterThanOrEqual(10);
      for (const m of messages) expect(Buffer.byteLength(m.data)).toBeLessThanOrEqual(300);
      // Each message's id is its own last row's: a reader cut off after any message resumes right after it.
      for (const m of messages) {
        const lastRow = m.data.split('|').filter(Boolean).at(-1)!;
        expect(m.id).toBe(`1000-${/^u(\d+)/.exec(lastRow)![1]}`);
      }
      expect(client.rows()).toHaveLength(30);
    }
    // One reader takes what it was sent; the other still holds 3 KB unread when the next rows are due.
    reader.state.buffered = 0;
    live.publish([big(31)]);
    expect(reader.state.destroyed).toBe(false);
    expect(reader.rows()).toHaveLength(31);
    expect(stalled.state.destroyed).toBe(true);
    expect(stalled.rows()).toHaveLength(30);
    expect(live.clients).toBe(1);
  });

  it('never splits a stream entry (a stored chunk) over two messages: a resume after any misses nothing', async () => {
    // Three entries of four events each; messages of at most 5 bytes would hold one row ("uN|") each.
    const chunked = [1, 2, 3].flatMap((id) =>
      [1, 2, 3, 4].map(
        (n): StreamEntry => ({ id: `1000-${id}`, json: JSON.stringify({ user_id: `u${id}${n}` }), timestamp: n }),
      ),
    );
    const live = feed(fakeStream(chunked), { maxMessageBytes: 5 });
    live.setHead('0-0');
    const inStep = fakeSink();
    live.add(inStep.sink, { address: 'a', filter: {} });
    live.publish(chunked);
    expect(inStep.messages.map((m) => [m.id, m.data])).toEqual([
      ['1000-1', 'u11|u12|u13|u14|'],
      ['1000-2', 'u21|u22|u23|u24|'],
      ['1000-3', 'u31|u32|u33|u34|'],
    ]);
    // Cut off after the first message: it catches up with the other two entries whole.
    live.setHead('1000-3');
    const resumed = fakeSink();
    live.add(resumed.sink, { address: 'b', filter: {}, since: '1000-1' });
    await vi.waitFor(() => expect(resumed.rows()).toEqual(['u21', 'u22', 'u23', 'u24', 'u31', 'u32', 'u33', 'u34']));
  });

  it('resumes a reader past a burst bigger than its buffer: one batch, then the next once it read it', async () => {
    const burst = Array.from({ length: 6 }, (_, i) => ({
      id: `1000-${i + 1}`,
      json: JSON.stringify({ user_id: `u${i + 1}${'y'.repeat(400)}` }),
      timestamp: i + 1,
    }));
    const live = feed(fakeStream(burst), { maxBufferedBytes: 1_000, catchUpBatch: 3, stallMs: 2_000 });
    live.setHead('1000-6');
    const reader = fakeSink();
    const writeOriginal = reader.sink.write;
    // The reader's socket takes nothing until the test lets it: each write stays buffered.
    reader.sink.write = (chunk) => {
      writeOriginal(chunk);
      reader.state.buffered += chunk.length;
    };
    live.add(reader.sink, { address: 'a', filter: {}, since: '0-0' });
    // One batch, then it waits: the reader has not taken it (and is not dropped, within stallMs).
    await vi.waitFor(() => expect(reader.rows()).toHaveLength(3));
    expect(reader.state.destroyed).toBe(false);
    reader.state.buffered = 0;
    await vi.waitFor(() => expect(reader.rows()).toHaveLength(6));
    expect(reader.state.destroyed).toBe(false);
    expect(reader.messages.filter((m) => m.event === 'rows').at(-1)!.id).toBe('1000-6');
  });

  it('continues a client whose Last-Event-ID is ahead of the stream from its newest entry, saying so', async () => {
    const stream = fakeStream([entry(5)]);
    const gaps: string[] = [];
    const live = feed(stream, { onGap: (reason) => void gaps.push(reason) });
    live.setHead('1000-5');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '99999999999999-0' });
    await settle();
    expect(gaps).toEqual(['ahead']);
    expect(client.messages).toEqual([
      {
        id: '1000-5',
        event: 'gap',
        data: expect.stringMatching(/^Last-Event-ID 99999999999999-0 is ahead of the stream/),
      },
    ]);
    stream.entries.push(entry(6));
    live.publish([entry(6)]);
    expect(client.rows()).toEqual(['u6']);
  });

  it('refuses clients beyond the total and the per-address limits, and frees a slot on close', () => {
    const live = feed(fakeStream([]), { maxClients: 4, maxClientsPerAddress: 2 });
    const sinks = Array.from({ length: 5 }, fakeSink);
    expect(live.add(sinks[0]!.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(sinks[1]!.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(sinks[2]!.sink, { address: 'x', filter: {} })).toBe('address-full');
    expect(sinks[2]!.state.opened).toBe(0);
    sinks[0]!.state.close();
    expect(live.add(sinks[2]!.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(sinks[3]!.sink, { address: 'y', filter: {} })).toBe('added');
    expect(live.add(sinks[4]!.sink, { address: 'z', filter: {} })).toBe('added');
    expect(live.add(fakeSink().sink, { address: 'w', filter: {} })).toBe('full');
  });

  it('ignores event timestamps: an event from the year 9999 does not hold back the ones after it', () => {
    const live = feed(fakeStream([]));
    live.setHead('0-0');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {} });
    const future: StreamEntry = {
      id: '1000-1',
      json: JSON.stringify({ user_id: 'future', timestamp: 253402300799000 }),
      timestamp: 253402300799000,
    };
    live.publish([future]);
    live.publish([entry(2), entry(3)]);
    expect(client.rows()).toEqual(['future', 'u2', 'u3']);
  });
});

describe('the live feed, on the wire and at its bounds', () => {
  it('opens the response once, tells the browser to retry after 2 s, then sends id, event and every data line', () => {
    const live = feed(fakeStream([]), { renderEntry: (e) => `<tr>${e.id}</tr>\n<tr>second line</tr>` });
    live.setHead('0-0');
    const client = rawSink();
    live.add(client.sink, { address: 'a', filter: {} });
    live.publish([entry(1)]);
    expect(client.state.opened).toBe(1);
    expect(client.state.chunks).toEqual([
      'retry: 2000\n\n',
      'id: 1000-1\nevent: rows\ndata: <tr>1000-1</tr>\ndata: <tr>second line</tr>\n\n',
    ]);
  });

  it('cuts a row at CR, LF and CRLF alike, as browsers do, so no bare CR ends a data line early', () => {
    const live = feed(fakeStream([]), { renderEntry: () => '<td>a\rb</td>\r\n<td>c\nd</td>' });
    live.setHead('0-0');
    const client = rawSink();
    live.add(client.sink, { address: 'a', filter: {} });
    live.publish([entry(1)]);
    const message = client.state.chunks[1]!;
    expect(message).toBe('id: 1000-1\nevent: rows\ndata: <td>a\ndata: b</td>\ndata: <td>c\ndata: d</td>\n\n');
    // What an EventSource gives the page: the data lines joined by LF.
    const data = message
      .split(/\r\n|\r|\n/)
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(data.join('\n')).toBe('<td>a\nb</td>\n<td>c\nd</td>');
  });

  it('puts rows in one message up to exactly maxMessageBytes, and starts another past it', () => {
    const live = feed(fakeStream([]), { maxMessageBytes: 6 });
    live.setHead('0-0');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {} });
    live.publish([entry(1), entry(2), entry(3)]);
    expect(client.messages.map((m) => [m.id, m.data])).toEqual([
      ['1000-2', 'u1|u2|'],
      ['1000-3', 'u3|'],
    ]);
  });

  it('gives an in-step client only what is past its cursor, renders each entry once, ignores an empty read', () => {
    let renders = 0;
    const live = feed(fakeStream([]), {
      renderEntry: (e) => {
        renders++;
        return `${(JSON.parse(e.json) as { user_id: string }).user_id}|`;
      },
    });
    live.setHead('1000-1');
    const clients = [fakeSink(), fakeSink(), fakeSink()];
    for (const [i, c] of clients.entries()) live.add(c.sink, { address: `a${i}`, filter: {} });
    live.publish([]);
    expect(live.head).toBe('1000-1');
    live.publish([entry(1), entry(2)]);
    for (const c of clients) expect(c.rows()).toEqual(['u2']);
    expect(renders).toBe(1);
    expect(live.head).toBe('1000-2');
  });

  it('moves its head forward only', () => {
    const live = feed(fakeStream([]));
    expect(live.head).toBeNull();
    live.setHead('1000-5');
    live.setHead('1000-3');
    expect(live.head).toBe('1000-5');
    live.setHead('1000-7');
    expect(live.head).toBe('1000-7');
  });

  it('counts clients per address once each, however often a connection reports its close', () => {
    const live = feed(fakeStream([]), { maxClients: 10, maxClientsPerAddress: 2 });
    const [a, b, c, d] = [rawSink(), rawSink(), rawSink(), rawSink()];
    expect(live.add(a.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(b.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(c.sink, { address: 'x', filter: {} })).toBe('address-full');
    a.state.close();
    a.state.close();
    expect(live.clients).toBe(1);
    expect(live.add(c.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(d.sink, { address: 'x', filter: {} })).toBe('address-full');
    b.state.close();
    c.state.close();
    expect(live.clients).toBe(0);
    expect(live.add(a.sink, { address: 'x', filter: {} })).toBe('added');
    expect(live.add(b.sink, { address: 'x', filter: {} })).toBe('added');
  });

  it('says nothing of a gap to a client resuming at exactly the newest or the oldest kept entry', async () => {
    const gaps: string[] = [];
    const stream = fakeStream([entry(5), entry(6)], '1000-5');
    const live = feed(stream, { onGap: (reason) => void gaps.push(reason) });
    live.setHead('1000-6');
    const atNewest = fakeSink();
    const atOldest = fakeSink();
    live.add(atNewest.sink, { address: 'a', filter: {}, since: '1000-6' });
    live.add(atOldest.sink, { address: 'b', filter: {}, since: '1000-5' });
    for (let i = 0; i < 5; i++) await settle();
    expect(gaps).toEqual([]);
    expect(atNewest.messages).toEqual([]);
    expect(atOldest.rows()).toEqual(['u6']);
    // The trimmed notice carries no id: it is not a position to resume from.
    const trimmed = rawSink();
    live.add(trimmed.sink, { address: 'c', filter: {}, since: '1000-4' });
    for (let i = 0; i < 5; i++) await settle();
    expect(trimmed.state.chunks[1]).toBe(
      'event: gap\ndata: some events were trimmed from the live stream before they could be sent; ' +
        'reload to see them\n\n',
    );
  });

  it('writes a keepalive comment to every client, and ends and forgets them all on stop', () => {
    const live = feed(fakeStream([]));
    const [a, b] = [rawSink(), rawSink()];
    live.add(a.sink, { address: 'a', filter: {} });
    live.add(b.sink, { address: 'b', filter: {} });
    live.keepalive();
    expect([a.state.chunks.at(-1), b.state.chunks.at(-1)]).toEqual([': keepalive\n\n', ': keepalive\n\n']);
    live.stop();
    expect([a.state.ended, b.state.ended, live.clients]).toEqual([true, true, 0]);
    expect(live.add(rawSink().sink, { address: 'a', filter: {} })).toBe('added');
  });

  it('drops a catching-up client that does not read within stallMs (10 s default), not one that reads', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const burst = Array.from({ length: 4 }, (_, i) => entry(i + 1));
    let dropped = 0;
    const live = feed(fakeStream(burst), { maxBufferedBytes: 1_000, catchUpBatch: 2, onDropped: () => void dropped++ });
    live.setHead('1000-4');
    const stuck = fakeSink();
    stuck.state.buffered = 5_000;
    live.add(stuck.sink, { address: 'a', filter: {}, since: '0-0' });
    await vi.advanceTimersByTimeAsync(100);
    // New rows published while it catches up do not drop it: a catching-up client has its stallMs.
    live.publish([entry(5)]);
    await vi.advanceTimersByTimeAsync(9_800);
    expect([stuck.state.destroyed, dropped]).toEqual([false, 0]);
    await vi.advanceTimersByTimeAsync(200);
    expect([stuck.state.destroyed, dropped]).toEqual([true, 1]);

    // Exactly at the bound is not over it.
    const reading = fakeSink();
    reading.state.buffered = 1_000;
    live.add(reading.sink, { address: 'b', filter: {}, since: '0-0' });
    await vi.advanceTimersByTimeAsync(100);
    expect(reading.rows()).toEqual(['u1', 'u2', 'u3', 'u4']);
  });

  it('drops a client whose catch-up read fails, saying why', async () => {
    const errors: unknown[] = [];
    const failing = { ...fakeStream([entry(1)]), after: async () => Promise.reject(new Error('Redis went away')) };
    let dropped = 0;
    const live = feed(failing, { onError: (err) => void errors.push(err), onDropped: () => void dropped++ });
    live.setHead('1000-1');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '0-0' });
    for (let i = 0; i < 5; i++) await settle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['Redis went away']);
    expect([client.state.destroyed, dropped, live.clients]).toEqual([true, 1, 0]);
  });
});
