import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { createLru } from '@eventstreamapp/service-kit';
import type { Request, Response } from 'express';

export type Encoding = 'br' | 'gzip';

/**
 * A body that can be sent again: what it was compressed to is kept with it, so a kept page is compressed once per
 * encoding.
 */
export interface Compressible {
  contentType: string;
  body: Buffer;
  encoded?: Partial<Record<Encoding, Buffer | Promise<Buffer>>>;
}

/** Below this, the headers and framing cost about what compression saves. */
export const MIN_COMPRESS_BYTES = 1024;

// Chosen with `make bench SCENARIO=view` (bench/README): a filtered page is compressed per request, and
// brotli at quality 4 with its default 4 MiB window cost 10 ms of CPU per 287 KB page under 50
// connections (gzip 1.7 ms); quality 3 with a 256 KiB window compresses rows of HTML about as well for
// a third of that. Brotli's default quality (11) takes tens of times longer for a few percent more.
const BROTLI_QUALITY = 3;
const BROTLI_WINDOW_BITS = 18;
const GZIP_LEVEL = 6;

const compressors: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  gzip: (body) => promisify(gzip)(body, { level: GZIP_LEVEL }),
};

// Parsing Accept-Encoding per answer costs more than a kept page; clients send few distinct ones.
const chosen = createLru<Encoding | 'identity'>(256);

/** The q-weight the header gives `coding` (an explicit entry, else `*`, else 0): RFC 9110, 12.5.3. */
function weight(entries: [string, number][], coding: string): number {
  return (entries.find(([name]) => name === coding) ?? entries.find(([name]) => name === '*'))?.[1] ?? 0;
}

/** br or gzip when the client takes it, by q-weight, br on a tie (smaller at the same cost); else none. */
export function chooseEncoding(req: Request): Encoding | undefined {
  const header = req.headers['accept-encoding'];
  if (header === undefined || header === '') return undefined;
  let choice = chosen.get(header);
  if (choice === undefined) {
    const entries = header.split(',').map((part): [string, number] => {
      const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      const value = q === undefined ? 1 : Number(q.slice(2));
      return [name, Number.isFinite(value) ? value : 0];
    });
    const br = weight(entries, 'br');
    const gzip = weight(entries, 'gzip');
    choice = br <= 0 && gzip <= 0 ? 'identity' : br >= gzip ? 'br' : 'gzip';
    if (header.length <= 512) chosen.set(header, choice);
  }
  return choice === 'identity' ? undefined : choice;
}

/** The body in `encoding`, compressed on first use and kept on the item (the compression runs off the event loop). */
function encodedBody(item: Compressible, encoding: Encoding): Buffer | Promise<Buffer> {
  item.encoded ??= {};
  const kept = item.encoded[encoding];
  if (kept) return kept;
  const pending = compressors[encoding](item.body).then((bytes) => {
    item.encoded![encoding] = bytes;
    return bytes;
  });
  item.encoded[encoding] = pending;
  return pending;
}

/**
 * Sends `item` compressed when the client takes br or gzip and it is worth it; a kept item is
 * answered in this turn once compressed. Never for text/event-stream: the live feed goes as written.
 */
export function sendCompressible(req: Request, res: Response, item: Compressible): void | Promise<void> {
  res.vary('Accept-Encoding');
  res.setHeader('content-type', item.contentType);
  const encoding = item.body.length >= MIN_COMPRESS_BYTES ? chooseEncoding(req) : undefined;
  if (!encoding) {
    res.send(item.body);
    return;
  }
  const send = (bytes: Buffer) => {
    res.setHeader('content-encoding', encoding);
    res.send(bytes);
  };
  const bytes = encodedBody(item, encoding);
  if (bytes instanceof Promise) return bytes.then(send);
  send(bytes);
}
