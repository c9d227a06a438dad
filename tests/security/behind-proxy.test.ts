import { describe, expect, it, onTestFinished } from 'vitest';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { createTestTopics } from '../support/kafka.js';
import { startNginx } from '../support/nginx.js';
import { testRedis } from '../support/redis.js';
import { freePort } from '../support/wait.js';

const OPERATOR = 'operator-token-behind-a-proxy-01';
const bearer = { authorization: `Bearer ${OPERATOR}` };

/**
 * #44, finding 8: a replay from the page behind a real reverse proxy (Debian's nginx on loopback). nginx's
 * default proxy_pass sends the upstream's name as Host, so the viewer must be told the public origin, or
 * trust the proxy's X-Forwarded-Host; neither is believed unless configured.
 */
describe('state-changing requests behind a reverse proxy', () => {
  /** A dry run asked for through nginx as a page of the proxy's origin would: its status. */
  async function replayThrough(env: Record<string, string>, directives = '', nginxPort?: number): Promise<number> {
    const topics = await createTestTopics('behind-proxy');
    const redis = testRedis('behind-proxy');
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      KAFKA_DLQ_TOPIC: topics.dlq,
      VIEWER_OPERATOR_TOKEN: OPERATOR,
      ...env,
    });
    const proxy = await startNginx(viewer.url, directives, nginxPort);
    onTestFinished(async () => {
      await proxy.stop();
      await viewer.stop();
      await redis.close();
      await topics.remove();
    });
    const page = await fetch(`${proxy.origin}/dlq`, { headers: { ...bearer, accept: 'application/json' } });
    expect(page.status).toBe(200);
    const { csrfToken } = (await page.json()) as { csrfToken: string };
    const res = await fetch(`${proxy.origin}/dlq/replay`, {
      method: 'POST',
      headers: {
        ...bearer,
        origin: proxy.origin,
        'x-csrf-token': csrfToken,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: '{}',
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('nginx’s defaults (Host: the upstream) and no setting: refused as from another origin', {
    timeout: 60_000,
  }, async () => {
    expect(await replayThrough({})).toBe(403);
  });

  it('VIEWER_PUBLIC_ORIGIN set to the proxy’s origin: accepted', { timeout: 60_000 }, async () => {
    const port = await freePort();
    expect(await replayThrough({ VIEWER_PUBLIC_ORIGIN: `http://127.0.0.1:${port}` }, '', port)).toBe(202);
  });

  it('X-Forwarded-Host from the proxy: believed only when TRUST_PROXY names it', { timeout: 60_000 }, async () => {
    const forwardHost = 'proxy_set_header X-Forwarded-Host $http_host;';
    expect(await replayThrough({}, forwardHost)).toBe(403);
    expect(await replayThrough({ TRUST_PROXY: 'loopback' }, forwardHost)).toBe(202);
  });
});
