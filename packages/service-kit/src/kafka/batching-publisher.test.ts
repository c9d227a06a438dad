import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchingPublisher, type BatchingPublisherOptions } from './batching-publisher.js';
import { RECORD_OVERHEAD_BYTES } from './record-size.js';

/** A producer whose sends stay open until the test settles them. */
function fakeProducer() {
  const sends: { messages: Message[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  const send = (messages: Message[]) =>
    new Promise<void>((resolve, reject) => {
      sends.push({ messages, resolve, reject });
    });
  return { sends, send, values: (i: number) => sends[i]!.messages.map((m) => String(m.value)) };
}

const msg = (value: string, bytes = 10): Message => ({
  key: 'k',
  value: value.padEnd(bytes - 1 - RECORD_OVERHEAD_BYTES, '.'),
});
const tick = () => new Promise((r) => setTimeout(r, 0));

function publisher(send: BatchingPublisherOptions['send'], overrides: Partial<BatchingPublisherOptions> = {}) {
  return new BatchingPublisher({
    send,
    lingerMs: 0,
    maxInFlight: 1,
    maxBatchEvents: 100,
    maxBatchBytes: 10_000,
    timeoutMs: 5_000,
    ...overrides,
  });
}

function tooLarge(): Error {
  return Object.assign(new Error('MESSAGE_TOO_LARGE wrapped'), {
    cause: Object.assign(new Error('The request included a message larger than the max message size'), {
      type: 'MESSAGE_TOO_LARGE',
    }),
  });
}

describe('BatchingPublisher', () => {
  it('sends at once when idle; what arrives while a request is in flight goes together next', async () => {
    const kafka = fakeProducer();
    const p = publisher(kafka.send);
    const first = p.publish([msg('a')]);
    const rest = [p.publish([msg('b')]), p.publish([msg('c'), msg('d')])];
    expect(kafka.sends).toHaveLength(1);
    kafka.sends[0]!.resolve();
    await first;
    await tick();
    expect(kafka.sends).toHaveLength(2);
    expect(kafka.values(1).map((v) => v[0])).toEqual(['b', 'c', 'd']);
    kafka.sends[1]!.resolve();
    await Promise.all(rest);
  });

  it('never puts more bytes in a request than the broker accepts, splitting a large body across requests', async () => {
    const kafka = fakeProducer();
    const p = publisher(kafka.send, { maxBatchBytes: 250, maxInFlight: 8 });
    const big = p.publish(Array.from({ length: 6 }, (_, i) => msg(`big${i}`, 100)));
    const small = p.publish([msg('small', 100)]);
    await tick();
    for (const send of kafka.sends) {
      const bytes = send.messages.reduce(
        (sum, m) => sum + String(m.key).length + String(m.value).length + RECORD_OVERHEAD_BYTES,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(250);
    }
    expect(kafka.sends.flatMap((s) => s.messages)).toHaveLength(7);
    for (const send of kafka.sends) send.resolve();
    await Promise.all([big, small]);
  });

  it('fails only the publish whose record the broker refuses as too large, non-retryably, and stays open', async () => {
    const kafka = fakeProducer();
    const p = publisher(kafka.send);
    const blocker = p.publish([msg('first')]);
    const good = p.publish([msg('good')]);
    const huge = p.publish([msg('huge')]);
    kafka.sends[0]!.resolve();
    await blocker;
    await tick();
    kafka.sends[1]!.reject(tooLarge());
    await tick();
    // Tried again one by one: the good one is acknowledged, the huge one refused again.
    const alone = kafka.sends.slice(2);
    expect(alone.map((s) => String(s.messages[0]!.value).slice(0, 4))).toEqual(['good', 'huge']);
    alone[0]!.resolve();
    alone[1]!.reject(tooLarge());
    await expect(good).resolves.toBeUndefined();
    await expect(huge).rejects.toMatchObject({ code: 'record_too_large', retryable: false });
    // No fail-fast: the next publish is sent.
    const after = p.publish([msg('after')]);
    await tick();
    kafka.sends.at(-1)!.resolve();
    await expect(after).resolves.toBeUndefined();
  });

  it('fails publishes at once for a moment after Kafka failed, then tries again', async () => {
    let now = 1_000;
    const kafka = fakeProducer();
    const p = publisher(kafka.send, { failFastMs: 1_000, now: () => now });
    const failing = p.publish([msg('a')]);
    kafka.sends[0]!.reject(new Error('connection refused'));
    await expect(failing).rejects.toMatchObject({ code: 'kafka_unavailable', retryable: true });
    await expect(p.publish([msg('b')])).rejects.toMatchObject({ code: 'kafka_unavailable' });
    expect(kafka.sends).toHaveLength(1);
    now += 1_000;
    const later = p.publish([msg('c')]);
    expect(kafka.sends).toHaveLength(2);
    kafka.sends[1]!.resolve();
    await expect(later).resolves.toBeUndefined();
  });

  it('withdraws a publish that times out before it was sent, so its 503 means "not published"', async () => {
    const kafka = fakeProducer();
    const p = publisher(kafka.send, { timeoutMs: 30 });
    // The first is in a request Kafka has not answered: it times out too, and may still be stored.
    const first = p.publish([msg('first')]).catch((err: Error) => err);
    const waiting = p.publish([msg('waiting')]);
    await expect(waiting).rejects.toMatchObject({ code: 'kafka_unavailable' });
    kafka.sends[0]!.resolve();
    expect(await first).toMatchObject({ code: 'kafka_unavailable' });
    await tick();
    expect(kafka.sends).toHaveLength(1);
  });

  it('refuses publishes once closed, and closing twice is one close', async () => {
    const kafka = fakeProducer();
    const p = publisher(kafka.send);
    const pending = p.publish([msg('a')]);
    const closing = p.close();
    expect(p.close()).toBe(closing);
    await expect(p.publish([msg('b')])).rejects.toMatchObject({ code: 'closed' });
    kafka.sends[0]!.resolve();
    await closing;
    await pending;
  });
});

describe('BatchingPublisher lingering while events keep coming', () => {
  function lingering(lingerMs: number) {
    const kafka = fakeProducer();
    let now = 1_000;
    const p = publisher(kafka.send, { lingerMs, lingerEvents: 3, maxInFlight: 4, now: () => now });
    const at = (ms: number, value: string) => {
      now = ms;
      return p.publish([msg(value)]);
    };
    const sent = () =>
      kafka.sends.map((_, i) =>
        kafka
          .values(i)
          .map((v) => v[0])
          .join(''),
      );
    return { kafka, at, sent };
  }

  it('sends an event that comes after a quiet spell at once, however long the linger', async () => {
    const { at, sent } = lingering(60_000);
    void at(1_000, 'a');
    expect(sent()).toEqual(['a']);
    void at(62_000, 'b');
    expect(sent()).toEqual(['a', 'b']);
  });

  it('holds events that come within the linger until lingerEvents of them are queued', async () => {
    const { at, sent } = lingering(60_000);
    void at(1_000, 'a');
    void at(1_001, 'b');
    void at(1_002, 'c');
    expect(sent()).toEqual(['a']);
    void at(1_003, 'd');
    expect(sent()).toEqual(['a', 'bcd']);
  });

  it('sends what it holds once the linger has passed, even short of lingerEvents', async () => {
    const { at, sent } = lingering(30);
    void at(1_000, 'a');
    void at(1_001, 'b');
    expect(sent()).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent()).toEqual(['a', 'b']);
  });
});

describe('BatchingPublisher retrying a batch', () => {
  it('sends the whole batch again after a retriable failure, and acknowledges it then', async () => {
    const sends: string[][] = [];
    let call = 0;
    const p = publisher(async (messages) => {
      sends.push(messages.map((m) => String(m.value).slice(0, 1)));
      // The second request carries two publishes (queued while the first was in flight): it fails once.
      if (++call === 2)
        throw Object.assign(new Error('wrapped'), {
          cause: Object.assign(new Error('NOT_LEADER'), { retriable: true }),
        });
    });
    await Promise.all([p.publish([msg('a')]), p.publish([msg('b')]), p.publish([msg('c'), msg('d')])]);
    expect(sends).toEqual([['a'], ['b', 'c', 'd'], ['b', 'c', 'd']]);
  });

  it('does not send again after a failure Kafka marks as final', async () => {
    let sends = 0;
    const p = publisher(async () => {
      sends++;
      throw Object.assign(new Error('INVALID_TOPIC'), { retriable: false });
    });
    await expect(p.publish([msg('a')])).rejects.toMatchObject({ code: 'kafka_unavailable' });
    expect(sends).toBe(1);
  });
});
