import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Principal } from './access.js';
import { httpError } from './errors.js';
import { principalOf } from './roles.js';

/** The form field (or, for API clients, the header) a state-changing request carries its token in. */
export const CSRF_FIELD = 'csrf';
const CSRF_HEADER = 'x-csrf-token';

/** Whether `origin` (an Origin header) names `host` (with its port, as a Host header gives it). */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface CsrfOptions {
  secret?: Buffer;
  /**
   * VIEWER_PUBLIC_ORIGIN: the origin users' browsers see (`https://events.example.com`), which a request's
   * Origin must equal. Unset: the Origin's host must be the request's — its Host header, or X-Forwarded-Host
   * when the peer is a proxy TRUST_PROXY names (express' `req.host`).
   */
  publicOrigin?: string;
  /** CSRF_TOKEN_TTL: a token is taken for at least this long after it was made and at most twice as long. */
  ttlMs: number;
  now?: () => number;
}

/**
 * Cross-site request forgery defence for the few requests that change anything. A browser sends a
 * signed-in user's Basic credentials to this viewer whatever page made the request, so each such request
 * must (1) not come from another origin, by its Origin and Sec-Fetch-Site headers, and (2) carry a token
 * only this viewer's pages hold: `<window>.<HMAC of the user's name and the window>` under a secret made at
 * start, where a window is `ttlMs` long. A token of the current window or the one before is taken, so a page
 * stays usable for at least `ttlMs`; an older one, or one from before a restart, asks for a reload.
 */
export function createCsrf({ secret = randomBytes(32), publicOrigin, ttlMs, now = Date.now }: CsrfOptions) {
  const windowOf = (ms: number) => Math.floor(ms / ttlMs);
  const sign = (name: string, window: number) =>
    `${window}.${createHmac('sha256', secret).update(`${window}\n${name}`).digest('base64url')}`;
  const tokenFor = (principal: Principal) => sign(principal.name, windowOf(now()));
  const given = (req: Request): string | undefined => {
    const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    return typeof field === 'string' ? field : req.get(CSRF_HEADER);
  };
  const matches = (token: string, expected: string) =>
    Buffer.byteLength(token) === expected.length && timingSafeEqual(Buffer.from(token), Buffer.from(expected));
  const valid = (token: string | undefined, principal: Principal | undefined): boolean => {
    if (token === undefined || principal === undefined) return false;
    const current = windowOf(now());
    return matches(token, sign(principal.name, current)) || matches(token, sign(principal.name, current - 1));
  };
  const check: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && !(publicOrigin ? origin === publicOrigin : sameHost(origin, req.host)))
      return next(httpError('csrf_failed', `a page of ${origin.slice(0, 200)} may not change this viewer`));
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return next(httpError('csrf_failed', `a ${site.slice(0, 20)} request may not change this viewer`));
    if (!valid(given(req), principalOf(res)))
      return next(httpError('csrf_failed', "the form's token is missing or stale: reload the page and try again"));
    next();
  };
  return { tokenFor, check };
}

export type Csrf = ReturnType<typeof createCsrf>;
