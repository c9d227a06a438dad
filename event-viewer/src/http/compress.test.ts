import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, MIN_COMPRESS_BYTES, sendCompressible } from './compress.js';

const withHeader = (value: string | undefined) =>
  ({ headers: value === undefined ? {} : { 'accept-encoding': value } }) as Request;

describe('chooseEncoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['GZIP;Q=0.9, br;q=0.8', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0.1', 'gzip'],
    ['gzip;q=nonsense', undefined],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(chooseEncoding(withHeader(header))).toBe(expected);
    // The second answer comes from memory: the same.
    expect(chooseEncoding(withHeader(header))).toBe(expected);
  });
});

describe('chooseEncoding reads parameters other than q as no weight', () => {
  it('a coding with another parameter keeps its full weight', () => {
    expect(chooseEncoding(withHeader('br;level=1'))).toBe('br');
    expect(chooseEncoding(withHeader('gzip;x=y;q=0.5, br;q=0.4'))).toBe('gzip');
  });
});

describe('sendCompressible', () => {
  /** The parts of an express response it uses, recording what was sent. */
  function response() {
    const sent: { headers: Record<string, string>; body?: Buffer; vary?: string } = { headers: {} };
    const res = {
      vary: (field: string) => {
        sent.vary = field;
      },
      setHeader: (name: string, value: string) => {
        sent.headers[name] = value;
      },
      send: (body: Buffer) => {
        sent.body = body;
      },
    };
    return { res: res as unknown as Response, sent };
  }
  const text = (bytes: number) => Buffer.from('<tr><td>row</td></tr>'.repeat(Math.ceil(bytes / 21)).slice(0, bytes));

  it('sends under MIN_COMPRESS_BYTES as it is, from there on compressed, saying Vary and the type', async () => {
    const small = response();
    expect(
      sendCompressible(withHeader('br'), small.res, { contentType: 'text/html', body: text(MIN_COMPRESS_BYTES - 1) }),
    ).toBeUndefined();
    expect(small.sent).toEqual({
      vary: 'Accept-Encoding',
      headers: { 'content-type': 'text/html' },
      body: text(MIN_COMPRESS_BYTES - 1),
    });
    const large = response();
    await sendCompressible(withHeader('gzip'), large.res, { contentType: 'text/html', body: text(MIN_COMPRESS_BYTES) });
    expect(large.sent.headers).toEqual({ 'content-type': 'text/html', 'content-encoding': 'gzip' });
    expect(gunzipSync(large.sent.body!)).toEqual(text(MIN_COMPRESS_BYTES));
  });

  it('compresses with brotli (quality 3, 256 KiB window: bench/README) once, then serves kept bytes', async () => {
    const body = text(300_000);
    const item = { contentType: 'text/html', body };
    const first = response();
    const pending = sendCompressible(withHeader('br'), first.res, item);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    const expected = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 3,
        [constants.BROTLI_PARAM_LGWIN]: 18,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    expect(first.sent.body).toEqual(expected);
    expect(brotliDecompressSync(first.sent.body!)).toEqual(body);
    const second = response();
    expect(sendCompressible(withHeader('br'), second.res, item)).toBeUndefined();
    expect(second.sent.body).toBe(first.sent.body);
    expect(second.sent.headers['content-encoding']).toBe('br');
  });

  it('sends uncompressed to a client that takes neither', () => {
    const plain = response();
    expect(
      sendCompressible(withHeader('zstd'), plain.res, { contentType: 'text/html', body: text(5_000) }),
    ).toBeUndefined();
    expect(plain.sent.headers).toEqual({ 'content-type': 'text/html' });
    expect(plain.sent.body).toEqual(text(5_000));
  });
});
