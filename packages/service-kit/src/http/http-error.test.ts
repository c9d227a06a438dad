import { describe, expect, it } from 'vitest';
import { clientErrorStatus, HttpError, httpErrorFactory } from './http-error.js';

describe('httpErrorFactory', () => {
  it('gives each code its status and serializes as the documented error body', () => {
    const httpError = httpErrorFactory({ bad: 400, gone: 503 } as const);
    const err = httpError('gone', 'away', { retry: true });
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(503);
    expect(err.toJSON()).toEqual({ error: { code: 'gone', message: 'away', retry: true } });
  });
});

describe('clientErrorStatus', () => {
  it('reads a 4xx status another middleware put on its error, and nothing else', () => {
    expect(clientErrorStatus(Object.assign(new URIError('bad'), { status: 400 }))).toBe(400);
    expect(clientErrorStatus({ statusCode: 415 })).toBe(415);
    expect(clientErrorStatus({ status: 500 })).toBeUndefined();
    expect(clientErrorStatus(new Error('plain'))).toBeUndefined();
    expect(clientErrorStatus(null)).toBeUndefined();
  });
});
