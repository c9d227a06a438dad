import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { normalizeEvent, redisKeys } from '@eventstreamapp/event-schema';
import { replayDeadLetters } from '@eventstreamapp/pipeline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectStoredExactly, startConsumer } from '../../event-consumer/test/helpers.js';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { makeEvents, produce } from '../support/events.js';
import { countRecords, createTestTopics, type TestTopics, testKafka, withAdmin } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { streamEvents } from '../support/stream-events.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

/**
 * README "Operating it": a record the consumer refuses reaches the dead-letter topic, shows on /dlq with
 * its reason, and once its cause is fixed `make dlq-replay` stores it exactly once.
 */
describe('dead letters: read on /dlq, replayed by make dlq-replay', () => {
  let topics: TestTopics;
  let store: TestRedis;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  let viewer: Awaited<ReturnType<typeof startViewer>> | undefined;
  const env = () => ({
    KAFKA_TOPIC: topics.events,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_GROUP_ID: topics.group,
    REDIS_KEY_PREFIX: store.prefix,
  });
  const keys = () => redisKeys(store.prefix);

  const good = makeEvents(5, 2);
  const big = normalizeEvent({ user_id: 'big', timestamp: Date.now(), note: 'x'.repeat(2_000) });
  if (!big.ok) throw new Error('the large event is valid');
  // Not UTF-8, and markup that must be shown, not run.
  const poison = {
    key: 'poison',
    value: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('<b>x</b>"}')]),
  };

  /** `make dlq-replay` in the local runtime, on this file's topics and keys, with the consumer's MAX_EVENT_BYTES. */
  async function makeReplay(maxEventBytes: number, args = ''): Promise<string> {
    const { stdout } = await run('make', ['-s', 'dlq-replay', 'RUNTIME=local', `DLQ_REPLAY_ARGS=${args}`], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env(),
        KAFKA_BROKERS: inject('kafkaBrokers'),
        REDIS_URL: inject('redisUrl'),
        MAX_EVENT_BYTES: String(maxEventBytes),
      },
      timeout: 120_000,
    });
    return stdout;
  }

  /** How many live-stream events are this one: one per time it was stored. */
  async function timesStored(eventId: string): Promise<number> {
    const { events } = await streamEvents(store.redis, keys().eventStream);
    return events.filter(({ e }) => e.includes(eventId)).length;
  }

  beforeAll(async () => {
    topics = await createTestTopics('dead-letters');
    store = testRedis('dead-letters');
    consumer = await startConsumer({ ...env(), MAX_EVENT_BYTES: '1024' });
    await produce(topics.events, [...good, big.value, poison]);
    await expectStoredExactly(store.redis, keys().eventLog, good);
    await waitFor(async () => (await countRecords(topics.dlq)) === 2, 30_000, 'two dead letters');
    viewer = await startViewer({ KAFKA_DLQ_TOPIC: topics.dlq, REDIS_KEY_PREFIX: store.prefix });
  });

  afterAll(async () => {
    await viewer?.stop();
    await consumer?.stop();
    await store?.close();
    await topics?.remove();
  });

  it('/dlq lists each refused record with its reason, its origin and its value shown safely', async () => {
    const read = async () => {
      const res = await fetch(`${viewer!.url}/dlq`, { headers: { accept: 'application/json' } });
      return (await res.json()) as {
        depth: number;
        deadLetters: {
          reason: string;
          source: { topic: string; partition: number; offset: string };
          value: string;
          valueIsUtf8: boolean;
          bytes: number;
        }[];
      };
    };
    const body = await waitFor(
      async () => {
        const b = await read();
        return b.deadLetters.length === 2 && b;
      },
      30_000,
      'the viewer holding both dead letters',
    );
    expect(body.depth).toBe(2);
    const byReason = Object.fromEntries(body.deadLetters.map((d) => [d.reason, d]));
    expect(Object.keys(byReason).sort()).toEqual(['invalid_utf8', 'too_large']);
    expect(byReason.too_large!.source.topic).toBe(topics.events);
    expect(byReason.too_large!.bytes).toBe(Buffer.byteLength(big.value.json));
    expect(byReason.invalid_utf8).toMatchObject({ valueIsUtf8: false, value: '{"a":"\\xff<b>x</b>"}' });

    const page = await (await fetch(`${viewer!.url}/dlq`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('\\xff&lt;b&gt;x&lt;/b&gt;');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('not UTF-8');

    const first = await fetch(`${viewer!.url}/dlq?limit=1`, { headers: { accept: 'application/json' } });
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const second = (await (
      await fetch(`${viewer!.url}${next}`, { headers: { accept: 'application/json' } })
    ).json()) as typeof body;
    const firstBody = (await first.json()) as typeof body;
    expect([...firstBody.deadLetters, ...second.deadLetters].map((d) => d.reason).sort()).toEqual([
      'invalid_utf8',
      'too_large',
    ]);

    expect((await fetch(`${viewer!.url}/dlq?before=nonsense`)).status).toBe(400);
  });

  it('replays nothing while the cause stands, then stores the fixed record exactly once', async () => {
    const dry = await makeReplay(1024, '--dry-run');
    expect(dry).toContain('would replay: 0');
    expect(dry).toMatch(/still refused: 2 \((invalid_utf8 1, too_large 1|too_large 1, invalid_utf8 1)\)/);

    // The cause fixed: the consumer takes larger events now.
    await consumer!.stop();
    consumer = await startConsumer({ ...env(), MAX_EVENT_BYTES: '4096' });
    const recordsBefore = await countRecords(topics.events);
    const replay = await makeReplay(4096);
    expect(replay).toContain('replayed: 1');
    expect(replay).toContain('still refused: 1 (invalid_utf8 1)');
    expect(await countRecords(topics.events)).toBe(recordsBefore + 1);
    await expectStoredExactly(store.redis, keys().eventLog, [...good, big.value]);
    expect(await timesStored(big.value.event.event_id)).toBe(1);

    // A second replay sends nothing: the topic holds what it held, whatever the tool prints.
    const again = await makeReplay(4096);
    expect(again).toContain('replayed: 0');
    expect(again).toContain('already stored: 1');
    expect(await countRecords(topics.events)).toBe(recordsBefore + 1);
  });

  it('a replay that sends the record again still stores it once: the consumer knows its event_id', async () => {
    const before = await countRecords(topics.events);
    const kafka = testKafka();
    // A log that holds nothing: the replay cannot tell the record is stored, and sends it.
    const report = await replayDeadLetters(
      {
        kafka,
        redis: store.redis,
        keys: { eventLog: `${store.prefix}elsewhere`, replayLock: keys().replayLock },
        holder: 'this test',
        topics,
        maxEventBytes: 4096,
        maxFutureMs: 300_000,
      },
      { reasons: ['too_large'] },
    );
    expect(report).toMatchObject({ replayed: 1, notSelected: 1 });
    expect(await countRecords(topics.events)).toBe(before + 1);
    // Once the group has committed past the resent record, the consumer has handled it.
    await waitFor(
      () =>
        withAdmin(async (admin) => {
          const [committed] = await admin.fetchOffsets({ groupId: topics.group, topics: [topics.events] });
          return committed!.partitions.reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0) === before + 1;
        }),
      30_000,
      'the consumer committing the resent record',
    );
    expect(await timesStored(big.value.event.event_id)).toBe(1);
    expect(await store.redis.zcard(keys().eventLog)).toBe(good.length + 1);
  });

  it('one replay at a time: make dlq-replay refuses while the lock is held, naming it; dry runs count', async () => {
    await store.redis.set(keys().replayLock, 'some-token viewer, user ada, job 42', 'PX', 60_000);
    try {
      const refused = await makeReplay(4096).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(refused?.stderr).toContain(
        'another dead-letter replay is running (viewer, user ada, job 42); try again when it ends',
      );
      expect(await makeReplay(4096, '--dry-run')).toContain('already stored: 1');
    } finally {
      await store.redis.del(keys().replayLock);
    }
    // Released after a replay: the next one takes it.
    expect(await makeReplay(4096)).toContain('replayed: 0');
    expect(await store.redis.exists(keys().replayLock)).toBe(0);
  });
});

/**
 * The viewer's dead-letter reader waits up to 5 s on an empty fetch, so an idle viewer is not woken each
 * second: a letter must still show as soon as it is written, and stopping must not wait that fetch out.
 */
describe('the dead-letter reader between letters', () => {
  it('shows a new letter at once, and the viewer stops without waiting out the empty fetch', async () => {
    const topics = await createTestTopics('dlq-between');
    const store = testRedis('dlq-between');
    const letter = (key: string) => ({ key, value: Buffer.from(`{"refused":"${key}"}`) });
    let viewer: Awaited<ReturnType<typeof startViewer>> | undefined;
    try {
      await produce(topics.dlq, [letter('first')]);
      viewer = await startViewer({ KAFKA_DLQ_TOPIC: topics.dlq, REDIS_KEY_PREFIX: store.prefix });
      const held = async () => {
        const res = await fetch(`${viewer!.url}/dlq`, { headers: { accept: 'application/json' } });
        return ((await res.json()) as { deadLetters: unknown[] }).deadLetters.length;
      };
      await waitFor(async () => (await held()) === 1, 30_000, 'the first letter held');
      // The reader is now in an empty fetch; a letter written meanwhile is answered at once, not at its end.
      await new Promise((r) => setTimeout(r, 1_000));
      const written = performance.now();
      await produce(topics.dlq, [letter('second')]);
      await waitFor(async () => (await held()) === 2, 30_000, 'the second letter held');
      expect(performance.now() - written).toBeLessThan(2_500);
      // A new empty fetch began when the second letter came; stopping leaves it unanswered.
      await new Promise((r) => setTimeout(r, 300));
      const stopping = performance.now();
      await viewer.stop();
      viewer = undefined;
      expect(performance.now() - stopping).toBeLessThan(2_500);
    } finally {
      await viewer?.stop();
      await store.close();
      await topics.remove();
    }
  });
});
