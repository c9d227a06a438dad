import { createLogger } from '@eventstreamapp/service-kit';
import { inject } from 'vitest';
import { waitFor } from '../../tests/support/wait.js';
import { loadConfig } from '../src/config.js';
import { createEventViewer } from '../src/event-viewer.js';

/** A real event-viewer on a free port, reading the keys under `prefix`. */
export async function startViewer(env: Record<string, string>, waitUntilReady = true) {
  const config = loadConfig({ REDIS_URL: inject('redisUrl'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const viewer = createEventViewer({ config, logger: createLogger('event-viewer', config.LOG_LEVEL) });
  await viewer.start();
  if (waitUntilReady) await waitFor(async () => (await fetch(`${viewer.url}/readyz`)).status === 200, 10_000, 'viewer ready');
  return { viewer, url: viewer.url!, stop: () => viewer.stop() };
}
