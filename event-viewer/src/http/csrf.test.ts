import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type CsrfOptions, createCsrf } from './csrf.js';

/** One state-changing route behind the check, its principal named by X-User, its errors as their codes. */
function appWith(options: CsrfOptions, trustProxy: string | false = false) {
  const csrf = createCsrf(options);
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use((req, res, next) => {
    res.locals.principal = { name: req.get('x-user') ?? 'ada', role: 'operator' };
    next();
  });
  app.get('/token', (_req, res) => res.json({ token: csrf.tokenFor(res.locals.principal) }));
  app.post('/change', express.json(), csrf.check, (_req, res) => res.sendStatus(204));
  app.use((err: { status: number; code: string }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status).json({ code: err.code });
  });
  return app;
}

const tokenOf = async (app: express.Express, user = 'ada') =>
  ((await request(app).get('/token').set('x-user', user)).body as { token: string }).token;

describe('the CSRF check', () => {
  it('takes a token for at least CSRF_TOKEN_TTL and at most twice as long, and only for its user', async () => {
    let clock = 0;
    const app = appWith({ ttlMs: 1_000, now: () => clock });
    const token = await tokenOf(app);
    const post = (user = 'ada') => request(app).post('/change').set('x-user', user).set('x-csrf-token', token);
    expect((await post()).status).toBe(204);
    clock = 1_999;
    expect((await post()).status).toBe(204);
    expect((await post('bob')).body).toEqual({ code: 'csrf_failed' });
    clock = 2_000;
    expect((await post()).body).toEqual({ code: 'csrf_failed' });
    // A fresh page has a fresh token.
    expect(
      (
        await request(app)
          .post('/change')
          .set('x-csrf-token', await tokenOf(app))
      ).status,
    ).toBe(204);
  });

  it('behind a proxy that sends the upstream’s Host: the Origin must be VIEWER_PUBLIC_ORIGIN', async () => {
    const app = appWith({ ttlMs: 60_000, publicOrigin: 'https://events.example.com' });
    const token = await tokenOf(app);
    const from = (origin: string) =>
      request(app).post('/change').set('host', '127.0.0.1:5000').set('origin', origin).set('x-csrf-token', token);
    expect((await from('https://events.example.com')).status).toBe(204);
    // The request's own host is no longer enough, nor another scheme or port of the public one.
    expect((await from('http://127.0.0.1:5000')).status).toBe(403);
    expect((await from('http://events.example.com')).status).toBe(403);
    expect((await from('https://events.example.com:8443')).status).toBe(403);
  });

  it('without it: the Origin’s host must be Host, or X-Forwarded-Host only from a TRUST_PROXY proxy', async () => {
    const post = async (app: express.Express, headers: Record<string, string>) =>
      (
        await request(app)
          .post('/change')
          .set('x-csrf-token', await tokenOf(app))
          .set(headers)
      ).status;
    const direct = appWith({ ttlMs: 60_000 });
    expect(await post(direct, { host: 'viewer:5000', origin: 'http://viewer:5000' })).toBe(204);
    expect(await post(direct, { host: 'viewer:5000', origin: 'http://evil.example' })).toBe(403);
    const forwarded = {
      host: 'viewer:5000',
      'x-forwarded-host': 'events.example.com',
      origin: 'https://events.example.com',
    };
    // Off by default: any client could send the header.
    expect(await post(direct, forwarded)).toBe(403);
    expect(await post(appWith({ ttlMs: 60_000 }, 'loopback'), forwarded)).toBe(204);
  });
});
