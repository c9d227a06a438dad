import { Router } from 'express';
import { z } from 'zod';
import { cursor, parseInput, wholeNumber } from '../http/inputs.js';
import { negotiate } from '../http/negotiate.js';
import { requireOperator } from '../http/roles.js';
import type { AuditLog } from './audit-log.js';
import { renderAuditPage } from './page.js';

const AUDIT_DEFAULT_LIMIT = 50;
const AUDIT_MAX_LIMIT = 200;

/** The query of /audit: how many entries, and the cursor of a rel="next" link. */
export const auditQuerySchema = z.object({
  limit: wholeNumber(1, AUDIT_MAX_LIMIT).optional(),
  before: cursor(/^\d{1,15}-\d{1,10}$/).optional(),
});

/** The audit room: GET /audit lists what operators did, newest first, for operators only (HTML or JSON). */
export function createAuditRoutes({ audit }: { audit: Pick<AuditLog, 'list'> }): Router {
  const router = Router();
  router.get('/audit', requireOperator, async (req, res) => {
    const query = parseInput(auditQuerySchema, req.query);
    const limit = query.limit ?? AUDIT_DEFAULT_LIMIT;
    const before = query.before;
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
