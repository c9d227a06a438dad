import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Principal } from './access.js';
import { httpError } from './errors.js';
import { principalOf } from './roles.js';

/** The form field (or, for API clients, the header) a state-changing request carries its token in. */
export const CSRF_FIELD = 'csrf';
const CSRF_HEADER = 'x-csrf-token';

/** Whether `origin` (an Origin header) names the host this request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Cross-site request forgery defence for the few requests that change anything. A browser sends a
 * signed-in user's Basic credentials to this viewer whatever page made the request, so each such request
 * must (1) not come from another origin, by its Origin and Sec-Fetch-Site headers, and (2) carry a token
 * only this viewer's pages hold: an HMAC of the user's name under a secret made at start (a restart
 * makes every open form stale, which is the point of a reload).
 */
export function createCsrf(secret: Buffer = randomBytes(32)) {
  const tokenFor = (principal: Principal) => createHmac('sha256', secret).update(principal.name).digest('base64url');
  const given = (req: Request): string | undefined => {
    const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    return typeof field === 'string' ? field : req.get(CSRF_HEADER);
  };
  const check: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && !sameHost(origin, req.get('host')))
      return next(httpError('csrf_failed', `a page of ${origin.slice(0, 200)} may not change this viewer`));
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return next(httpError('csrf_failed', `a ${site.slice(0, 20)} request may not change this viewer`));
    const principal = principalOf(res);
    const token = given(req);
    const expected = principal && Buffer.from(tokenFor(principal));
    if (!expected || token === undefined || Buffer.byteLength(token) !== expected.length || !timingSafeEqual(Buffer.from(token), expected))
      return next(httpError('csrf_failed', "the form's token is missing or stale: reload the page and try again"));
    next();
  };
  return { tokenFor, check };
}

export type Csrf = ReturnType<typeof createCsrf>;
