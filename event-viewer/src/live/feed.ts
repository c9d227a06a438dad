import type { EventFilter } from '../model/event-filter.js';
import type { StreamEntry } from '../model/stream-entry.js';
import { compareStreamIds } from '../model/stream-id.js';

/** Reads of the live stream a client that fell behind catches up with. */
export interface StreamSource {
  /** The events of up to `count` stream entries after `afterId`, oldest first. */
  after(afterId: string, count: number): Promise<StreamEntry[]>;
  /**
   * The oldest entry still kept, when the cap has trimmed any: trimming removes the oldest, so a
   * client whose cursor is older than it may have missed entries.
   */
  oldestKeptAfterTrim(): Promise<string | undefined>;
  /** The id of the stream's newest entry ('0-0' when empty). */
  newest(): Promise<string>;
}

/** One server-sent-events connection, as the feed sees it. */
export interface LiveSink {
  /** Starts the response (status and headers), once the connection is accepted. */
  open(): void;
  write(chunk: string): void;
  /** Bytes written but not yet taken by the client's socket. */
  readonly bufferedBytes: number;
  /** Drops the connection (the browser reconnects with Last-Event-ID). */
  destroy(): void;
  end(): void;
  onClose(listener: () => void): void;
}

export interface LiveFeedOptions {
  source: StreamSource;
  /** One entry as the page's row: the same renderer the server page uses. */
  renderEntry: (entry: StreamEntry) => string | undefined;
  /**
   * Whether a filtered client gets the entry (model/event-filter.ts' matchesFilter: the entry is parsed once for all of
   * them).
   */
  matches: (entry: StreamEntry, filter: EventFilter) => boolean;
  maxClients: number;
  maxClientsPerAddress: number;
  /**
   * A client still holding more unsent bytes than this when new rows are due is too slow: it is
   * dropped, and resumes on reconnect. Judged before a write, on what it failed to take, never on the
   * message just written.
   */
  maxBufferedBytes: number;
  /**
   * Rows go out in SSE messages of about this many bytes (more when one stream entry's rows are), each with its own id.
   */
  maxMessageBytes?: number;
  /** How long a catching-up client may stay over `maxBufferedBytes` before it is dropped. */
  stallMs?: number;
  onError?: (err: unknown) => void;
  /** Counted by the viewer's metrics: a slow client dropped, a client told of a gap in what it can be sent. */
  onDropped?: () => void;
  onGap?: (reason: 'ahead' | 'trimmed') => void;
  catchUpBatch?: number;
}

export type AddResult = 'added' | 'full' | 'address-full';

interface Client {
  sink: LiveSink;
  address: string;
  filter: EventFilter;
  /** The id of the last entry this client was given or skipped; null: from the next entries on. */
  cursor: string | null;
  catchingUp: boolean;
  closed: boolean;
}

/**
 * Lines of an SSE `data` field: every line prefixed, so a multi-line payload survives intact. A browser ends a
 * line at CR, LF or CRLF, so all three are cut here: a bare CR in an event's text (an `action` sent as "a\rb")
 * would otherwise end the data line in the browser and drop the rest of the message.
 */
function sseMessage(event: string, data: string, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data.replace(LINE_BREAK, '\ndata: ')}\n\n`;
}

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Sends the events after the client's cursor that match its filter, in messages of about
 * `maxMessageBytes` — split only between stream entries, never inside one — each carrying the id of
 * its last entry, so a client cut off mid-burst resumes after the last message it took, never before
 * the burst nor inside an entry; and advances the cursor.
 */
function deliver(
  client: Client,
  entries: StreamEntry[],
  rendered: (entry: StreamEntry) => string | undefined,
  options: Pick<LiveFeedOptions, 'matches'> & { maxMessageBytes: number },
): void {
  const fresh = client.cursor === null ? entries : entries.filter((e) => compareStreamIds(e.id, client.cursor!) > 0);
  if (fresh.length === 0) return;
  let html = '';
  let bytes = 0;
  let lastId = '';
  for (const entry of fresh) {
    const row = options.matches(entry, client.filter) ? rendered(entry) : undefined;
    if (row !== undefined) {
      const rowBytes = Buffer.byteLength(row);
      if (html !== '' && entry.id !== lastId && bytes + rowBytes > options.maxMessageBytes) {
        client.sink.write(sseMessage('rows', html, lastId));
        html = '';
        bytes = 0;
      }
      html += row;
      bytes += rowBytes;
    }
    lastId = entry.id;
  }
  client.cursor = lastId;
  if (html !== '') client.sink.write(sseMessage('rows', html, lastId));
}

/** Resolves true once the client has taken enough of what it was sent, false if it stalls past `stallMs`. */
async function drained(client: Client, stallMs: number, maxBufferedBytes: number): Promise<boolean> {
  for (const until = Date.now() + stallMs; client.sink.bufferedBytes > maxBufferedBytes; ) {
    if (client.closed || Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * A client resuming from `since` (Last-Event-ID, or its page's stream id) is told when it cannot have all it
 * missed: its id is past the stream's newest (it continues from the newest), or older than what the cap kept.
 */
async function tellWhereItResumes(
  client: Client,
  since: string,
  options: Pick<LiveFeedOptions, 'source' | 'onGap'>,
): Promise<void> {
  const [oldest, newest] = await Promise.all([options.source.oldestKeptAfterTrim(), options.source.newest()]);
  const sink = client.sink;
  if (client.closed) return;
  // An id past the stream's newest in Redis (a Redis that was wiped, a hand-made id) would wait
  // for ever for entries after it: the client continues from the newest entry, and is told so.
  // (Against Redis, not the reader's head: a page read a moment ago may be ahead of the reader.)
  if (compareStreamIds(since, newest) > 0) {
    client.cursor = newest;
    options.onGap?.('ahead');
    sink.write(
      sseMessage(
        'gap',
        `Last-Event-ID ${since} is ahead of the stream (was it reset?); showing new events from now on`,
        newest,
      ),
    );
  } else if (oldest !== undefined && compareStreamIds(since, oldest) < 0) {
    options.onGap?.('trimmed');
    sink.write(
      sseMessage('gap', 'some events were trimmed from the live stream before they could be sent; reload to see them'),
    );
  }
}

/** The connected clients, counted per address; a client removed once, however often its end is reported. */
function clientRegistry(onDropped: (() => void) | undefined) {
  const clients = new Set<Client>();
  const perAddress = new Map<string, number>();
  const remove = (client: Client): void => {
    if (client.closed) return;
    client.closed = true;
    clients.delete(client);
    const left = (perAddress.get(client.address) ?? 1) - 1;
    if (left > 0) perAddress.set(client.address, left);
    else perAddress.delete(client.address);
  };
  /** A client too slow, or whose catch-up failed: cut off; it resumes on reconnect. */
  const drop = (client: Client): void => {
    remove(client);
    client.sink.destroy();
    onDropped?.();
  };
  return { clients, perAddress, remove, drop };
}

/**
 * Server-sent events fed from the live stream. Every client has its own cursor, the id of the last
 * stream entry it has had: a client that is in step gets each new batch as it is read; one that is
 * behind (it reconnected with Last-Event-ID, or its page was read a moment earlier) first reads what
 * it missed, in order, then joins. Event timestamps play no part: ids are the order of storing.
 */
export function createLiveFeed(options: LiveFeedOptions) {
  const { clients, perAddress, remove, drop } = clientRegistry(options.onDropped);
  /** The newest entry id read so far; null until the reader knows it. */
  let head: string | null = null;
  // Stream entries per catch-up read: at most 64 × STREAM_ENTRY_BYTES of JSON (1 MiB), or 64 single
  // events at the 64 KiB event limit.
  const batch = options.catchUpBatch ?? 64;
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
  const stallMs = options.stallMs ?? 10_000;

  async function catchUp(client: Client): Promise<void> {
    if (client.catchingUp || client.cursor === null) return;
    client.catchingUp = true;
    try {
      while (!client.closed && head !== null && compareStreamIds(client.cursor!, head) < 0) {
        // Backpressure: the next batch is read only once this client has taken most of the last.
        if (!(await drained(client, stallMs, options.maxBufferedBytes))) {
          if (!client.closed) drop(client);
          return;
        }
        const entries = await options.source.after(client.cursor!, batch);
        if (entries.length === 0) break;
        deliver(client, entries, options.renderEntry, { matches: options.matches, maxMessageBytes });
      }
    } catch (err) {
      options.onError?.(err);
      // The browser reconnects with its last id and catches up then.
      drop(client);
    } finally {
      client.catchingUp = false;
    }
  }

  return {
    get clients(): number {
      return clients.size;
    },

    get head(): string | null {
      return head;
    },

    /** The reader's position before it reads anything new (the stream's newest id at start). */
    setHead(id: string): void {
      if (head === null || compareStreamIds(id, head) > 0) head = id;
    },

    /**
     * A new connection. `since`: the id to continue after (Last-Event-ID, or the stream id its page
     * was read at); without one it starts with the next entries.
     */
    add(
      sink: LiveSink,
      { address, since, filter }: { address: string; since?: string; filter: EventFilter },
    ): AddResult {
      if (clients.size >= options.maxClients) return 'full';
      if ((perAddress.get(address) ?? 0) >= options.maxClientsPerAddress) return 'address-full';
      const client: Client = { sink, address, filter, cursor: since ?? head, catchingUp: false, closed: false };
      clients.add(client);
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      sink.onClose(() => remove(client));
      sink.open();
      sink.write('retry: 2000\n\n');
      if (since !== undefined) {
        void tellWhereItResumes(client, since, options)
          .catch(options.onError)
          .finally(() => void catchUp(client));
      }
      return 'added';
    },

    /** New entries read from the stream, oldest first. */
    publish(entries: StreamEntry[]): void {
      if (entries.length === 0) return;
      const previous = head;
      head = entries.at(-1)!.id;
      const cache = new Map<StreamEntry, string | undefined>();
      const rendered = (entry: StreamEntry) => {
        if (!cache.has(entry)) cache.set(entry, options.renderEntry(entry));
        return cache.get(entry);
      };
      for (const client of clients) {
        if (client.catchingUp) continue;
        if (client.sink.bufferedBytes > options.maxBufferedBytes) {
          drop(client);
          continue;
        }
        const inStep = client.cursor === null || previous === null || compareStreamIds(client.cursor, previous) >= 0;
        if (inStep) deliver(client, entries, rendered, { matches: options.matches, maxMessageBytes });
        else void catchUp(client);
      }
    },

    keepalive(): void {
      for (const client of clients) client.sink.write(': keepalive\n\n');
    },

    stop(): void {
      for (const client of [...clients]) {
        remove(client);
        client.sink.end();
      }
    },
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
