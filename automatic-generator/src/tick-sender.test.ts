import type { EventRecord } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { makeEvent } from './make-event.js';
import { TickSender } from './tick-sender.js';

const events = (n: number) => Array.from({ length: n }, () => makeEvent(3));

function harness(failures: number) {
  let clock = 0;
  const sent: EventRecord[][] = [];
  const retries: number[] = [];
  let toFail = failures;
  const sender = new TickSender({
    intervalMs: 100,
    maxPending: 5,
    maxBatchEvents: 1_000,
    now: () => clock,
    // No jitter: the waits below are the policy's own.
    random: () => 1,
    send: async (batch) => {
      if (toFail-- > 0) throw new Error('broker away');
      sent.push(batch);
    },
    on: { failed: (_err, _pending, retryInMs) => retries.push(retryInMs) },
  });
  return { sender, sent, retries, advance: (ms: number) => (clock += ms) };
}

describe('TickSender', () => {
  it('sends each tick’s events when Kafka answers', async () => {
    const { sender, sent } = harness(0);
    await sender.tick(events(2));
    await sender.tick(events(1));
    expect(sent.map((b) => b.length)).toEqual([2, 1]);
    expect(sender.pending).toBe(0);
  });

  it('keeps events through failures, backs off doubling, and sends them in order once Kafka is back', async () => {
    const { sender, sent, retries, advance } = harness(2);
    const first = events(1);
    await sender.tick(first);
    expect(retries).toEqual([200]);
    advance(100);
    await sender.tick(events(1));
    expect(retries).toEqual([200]);
    expect(sender.pending).toBe(2);
    advance(100);
    await sender.tick(events(1));
    expect(retries).toEqual([200, 400]);
    advance(400);
    await sender.tick(events(1));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(4);
    expect(sent[0]![0]).toBe(first[0]);
    expect(sender.healthy).toBe(true);
  });

  it('sends a backlog in batches of a bounded size, oldest first, all of it', async () => {
    const sent: EventRecord[][] = [];
    let up = false;
    const sender = new TickSender({
      intervalMs: 100,
      maxPending: 100,
      maxBatchEvents: 10,
      now: () => 0,
      send: async (batch) => {
        if (!up) throw new Error('broker away');
        sent.push(batch);
      },
    });
    const backlog = events(25);
    await sender.tick(backlog);
    expect(sender.pending).toBe(25);
    up = true;
    await sender.drain();
    expect(sent.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(sent.flat()).toEqual(backlog);
    expect(sender.pending).toBe(0);
  });

  it('drops the oldest events beyond its bound while Kafka is away', async () => {
    const { sender, advance } = harness(100);
    for (let i = 0; i < 4; i++) {
      await sender.tick(events(2));
      advance(10_000);
    }
    expect(sender.pending).toBe(5);
  });
});
