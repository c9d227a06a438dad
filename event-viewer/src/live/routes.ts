import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendCompressible } from '../http/compress.js';
import { httpError } from '../http/errors.js';
import { parseInput } from '../http/inputs.js';
import { type EventFilter, filterQuerySchema, parseFilter } from '../model/event-filter.js';
import { streamIdSchema } from '../model/stream-id.js';
import type { LiveFeed, LiveSink } from './feed.js';

export interface LiveRouteDeps {
  live: Pick<LiveFeed, 'add'>;
  /** The stream's newest entry id: the live page starts there, with nothing before it. */
  newest: () => Promise<string>;
  /**
   * The live page: an empty table that fills from `streamId` on (the events pages' renderer, given by the composition
   * root).
   */
  renderPage: (filter: EventFilter, streamId: string) => string;
}

const sinceSchema = z.object({ since: streamIdSchema.optional() });

/** The query of /live: the filter, and where to resume (also as the Last-Event-ID header). */
export const liveQuerySchema = filterQuerySchema.extend(sinceSchema.shape);

/**
 * Server-sent events unless the client prefers HTML: EventSource and curl get the stream, a browser's navigation the
 * page.
 */
function wantsPage(req: Request): boolean {
  return req.accepts(['text/event-stream', 'html']) === 'html';
}

/**
 * The live feed: GET /live as server-sent events from the live stream, after Last-Event-ID or ?since=; as HTML, the
 * live page (from ?since= too).
 */
export function createLiveRoutes({ live, newest, renderPage }: LiveRouteDeps): Router {
  const router = Router();
  router.get('/live', async (req: Request, res: Response) => {
    res.vary('Accept');
    const filter = parseFilter(req.query);
    // A reconnecting EventSource says where it was in Last-Event-ID; a link, in ?since=.
    const lastEventId = req.get('last-event-id');
    const { since } = parseInput(sinceSchema, lastEventId === undefined ? req.query : { since: lastEventId });
    if (wantsPage(req)) {
      // The page starts where it was asked to (?since=), else at the stream's newest entry.
      const text = renderPage(filter, since ?? (await newest()));
      res.set('cache-control', 'no-store');
      return sendCompressible(req, res, { contentType: 'text/html; charset=utf-8', body: Buffer.from(text) });
    }
    const sink: LiveSink = {
      open: () =>
        void res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        }),
      write: (chunk) => void res.write(chunk),
      get bufferedBytes() {
        return res.writableLength;
      },
      destroy: () => res.destroy(),
      end: () => res.end(),
      onClose: (listener) => void res.on('close', listener),
    };
    const added = live.add(sink, {
      address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      filter,
      ...(since === undefined ? {} : { since }),
    });
    if (added === 'full') throw httpError('too_many_live_clients', 'too many live connections; retry later');
    if (added === 'address-full')
      throw httpError('too_many_live_clients', 'too many live connections from your address; retry later');
  });
  return router;
}
