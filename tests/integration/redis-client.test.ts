import { createRedisClient } from '@eventstreamapp/service-kit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { expectSteady, waitFor } from '../support/wait.js';

// What a Sentinel's +switch-master notice does to a client that is reconnecting at that moment:
// ioredis' failover detector disconnects the connector while a connect is under way.
function interruptConnect(client: Redis): void {
  client.on('error', () => {});
  client.connect().catch(() => {});
  (client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
}

describe('a service Redis client whose connect is interrupted', () => {
  const url = inject('redisUrl');
  const clients: Redis[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('is given up for good by ioredis alone (the control)', async () => {
    const plain = new Redis(url, { lazyConnect: true, retryStrategy: () => 100 });
    clients.push(plain);
    interruptConnect(plain);
    await waitFor(async () => plain.status === 'end', 5_000, 'the plain client ending');
    // Ten of its 100 ms retry intervals: it would have reconnected by then if it were going to.
    await expectSteady(async () => plain.status, 1_000, "the plain client's status");
  });

  it('connects again and answers, unless its owner closed it', async () => {
    const client = createRedisClient(
      { REDIS_URL: url, REDIS_SENTINEL_NAME: 'unused' },
      { connectionName: 'test-reconnect', commandTimeoutMs: 1_000 },
    );
    clients.push(client);
    let ended = false;
    client.once('end', () => {
      ended = true;
    });
    interruptConnect(client);
    await waitFor(async () => client.status === 'ready', 5_000, 'the service client ready again');
    expect(ended).toBe(true);
    expect(await client.ping()).toBe('PONG');

    await client.quit();
    await waitFor(async () => client.status === 'end', 5_000, 'the closed client ending');
    // Longer than its first reconnect waits: closed by its owner, it stays closed.
    await expectSteady(async () => client.status, 1_500, "the closed client's status");
  });
});
