import { Router } from 'express';
import { negotiate } from '../http/negotiate.js';
import { integerParam, textParam } from '../http/query-params.js';
import { requireOperator } from '../http/roles.js';
import type { AuditLog } from './audit-log.js';
import { renderAuditPage } from './page.js';

const AUDIT_DEFAULT_LIMIT = 50;
const AUDIT_MAX_LIMIT = 200;

/** The audit room: GET /audit lists what operators did, newest first, for operators only (HTML or JSON). */
export function createAuditRoutes({ audit }: { audit: Pick<AuditLog, 'list'> }): Router {
  const router = Router();
  router.get('/audit', requireOperator, async (req, res) => {
    const limit = integerParam('limit', req.query.limit, 1, AUDIT_MAX_LIMIT) ?? AUDIT_DEFAULT_LIMIT;
    const before = textParam('before', req.query.before, (v) =>
      /^\d{1,15}-\d{1,10}$/.test(v) ? undefined : 'must be the cursor of a rel="next" link',
    );
    const format = negotiate(req);
    const entries = await audit.list(limit, before);
    const last = entries.at(-1);
    const next = last && entries.length === limit ? `/audit?limit=${limit}&before=${last.id}` : undefined;
    if (next) res.set('link', `<${next}>; rel="next"`);
    res.set('cache-control', 'no-store');
    if (format === 'json') {
      return res.json({
        entries: entries.map((e) => ({ id: e.id, at: new Date(e.at).toISOString(), ...e.record })),
      });
    }
    res.type('html').send(renderAuditPage(entries, next));
  });
  return router;
}
