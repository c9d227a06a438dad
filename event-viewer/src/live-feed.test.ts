import { describe, expect, it, vi } from 'vitest';
import { createLiveFeed, type LiveSink } from './live-feed.js';
import type { StreamEntry } from './stream.js';
import { compareStreamIds } from './stream-id.js';

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

function fakeSink() {
  const messages: { id?: string; event: string; data: string }[] = [];
  const state = { opened: false, destroyed: false, ended: false, buffered: 0, close: () => {} };
  const sink: LiveSink = {
    open: () => {
      state.opened = true;
    },
    write: (chunk) => {
      if (!chunk.startsWith('event:') && !chunk.startsWith('id:')) return;
      const lines = chunk.trimEnd().split('\n');
      const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
      messages.push({ id: field('id')[0], event: field('event')[0]!, data: field('data').join('\n') });
    },
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
  /** The user ids of every row sent, in order. */
  const rows = () => messages.filter((m) => m.event === 'rows').flatMap((m) => m.data.split('|').filter(Boolean));
  return { sink, messages, state, rows };
}

const entry = (n: number, user = `u${n}`): StreamEntry => ({ id: `1000-${n}`, json: JSON.stringify({ user_id: user, n }), timestamp: n });
const settle = () => new Promise((r) => setTimeout(r, 0));

function feed(stream: ReturnType<typeof fakeStream>, overrides: Partial<Parameters<typeof createLiveFeed>[0]> = {}) {
  return createLiveFeed({
    source: stream,
    renderEntry: (e) => `${(JSON.parse(e.json) as { user_id: string }).user_id}|`,
    matches: (e, filter) => filter.userId === undefined || (JSON.parse(e.json) as { user_id: string }).user_id === filter.userId,
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

  it('gives a reconnecting client exactly what it missed after its Last-Event-ID, in order, then the new entries', async () => {
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

  it('drops a client that did not read what it was sent (its unsent bytes past the bound) and keeps serving the others', () => {
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

  it('sends a burst larger than the buffer bound in bounded messages, each with its own id, and drops a reader only for what it failed to read', () => {
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

  it('never splits one stream entry (a stored chunk) over two messages, so a resume after any message misses nothing', async () => {
    // Three entries of four events each; messages of at most 5 bytes would hold one row ("uN|") each.
    const chunked = [1, 2, 3].flatMap((id) =>
      [1, 2, 3, 4].map((n): StreamEntry => ({ id: `1000-${id}`, json: JSON.stringify({ user_id: `u${id}${n}` }), timestamp: n })),
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

  it('resumes a reconnecting reader past a burst bigger than its buffer: it takes one batch, then the next once it has read it', async () => {
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

  it('continues a client whose Last-Event-ID is ahead of the stream from its newest entry, and tells it so', async () => {
    const stream = fakeStream([entry(5)]);
    const gaps: string[] = [];
    const live = feed(stream, { onGap: (reason) => void gaps.push(reason) });
    live.setHead('1000-5');
    const client = fakeSink();
    live.add(client.sink, { address: 'a', filter: {}, since: '99999999999999-0' });
    await settle();
    expect(gaps).toEqual(['ahead']);
    expect(client.messages).toEqual([
      { id: '1000-5', event: 'gap', data: expect.stringMatching(/^Last-Event-ID 99999999999999-0 is ahead of the stream/) },
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
    expect(sinks[2]!.state.opened).toBe(false);
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
