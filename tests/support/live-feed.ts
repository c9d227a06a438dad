import { onTestFinished } from 'vitest';

/**
 * A live page held open for the rest of the test: GET `url` as text/event-stream, every byte it sends
 * gathered as it comes; closed when the test ends.
 */
export async function followLive(url: string): Promise<{ status: number; received: () => string }> {
  const live = new AbortController();
  onTestFinished(() => live.abort());
  const feed = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: live.signal });
  let received = '';
  if (feed.body) {
    const reader = feed.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += decoder.decode(value, { stream: true });
      }
    })();
  }
  return { status: feed.status, received: () => received };
}
