import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { Csrf } from '../http/csrf.js';
import { httpError } from '../http/errors.js';
import { parseInput, reasonSchema, wholeNumber } from '../http/inputs.js';
import { negotiate } from '../http/negotiate.js';
import { principalOf, requireOperator } from '../http/roles.js';
import type { ReplayJob, ReplayJobs, Selection } from './replay-jobs.js';
import { describeJob, renderReplayPage } from './replay-page.js';

const OFFSET_MAX = 2 ** 53 - 1;
/** A form of a few numbers and a reason: 4 KiB is ample, and all a request may make the viewer parse. */
const BODY_LIMIT = '4kb';

/** A JSON body may send numbers as numbers: read as their digits, like a form's. */
const asForm = (body: unknown): unknown =>
  typeof body === 'object' && body !== null && !Array.isArray(body)
    ? Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]))
    : body;

/** What a replay form (or JSON body) selects: a partition, an offset range and a reason, each optional. */
export const selectionSchema = z
  .object({
    partition: wholeNumber(0, 100_000).optional(),
    from_offset: wholeNumber(0, OFFSET_MAX).optional(),
    to_offset: wholeNumber(1, OFFSET_MAX).optional(),
    reason: reasonSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.from_offset !== undefined && s.to_offset !== undefined && s.to_offset <= s.from_offset)
      ctx.addIssue({ code: 'custom', path: ['to_offset'], message: 'must be after from_offset' });
  });

/** The selection a replay form sends; a field it cannot read is a 400 naming it. */
export function parseSelection(body: unknown): Selection {
  const { partition, from_offset: fromOffset, to_offset: toOffset, reason } = parseInput(selectionSchema, asForm(body));
  return {
    ...(partition === undefined ? {} : { partition }),
    ...(fromOffset === undefined ? {} : { fromOffset }),
    ...(toOffset === undefined ? {} : { toOffset }),
    ...(reason === undefined ? {} : { reason }),
  };
}

export interface ReplayRoutesDeps {
  /** Without Kafka there is nothing to replay: the routes answer 503 kafka_unavailable. */
  jobs?: ReplayJobs;
  csrf: Csrf;
}

/**
 * The operator's side of /dlq: POST /dlq/replay counts a selection (a dry run), POST
 * /dlq/replay/:id/confirm replays what that dry run counted, POST /dlq/replay/:id/cancel ends either
 * early, GET /dlq/replay/:id follows either (what operators did is the audit room's: audit/routes.ts).
 * Every route checks the role first (a reader gets 403 whatever else it sends), then the request's origin
 * and CSRF token; nothing that changes state answers a GET.
 */
export function createReplayRoutes({ jobs, csrf }: ReplayRoutesDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 16 });
  const json = express.json({ limit: BODY_LIMIT });
  /** Operators only, then the body (small), then where it came from and its token. */
  const guarded: RequestHandler[] = [requireOperator, form, json, csrf.check];
  const available = (): ReplayJobs => {
    if (!jobs) throw httpError('kafka_unavailable', 'this viewer was started without Kafka');
    return jobs;
  };
  const answer = (req: Request, res: Response, job: ReplayJob, status: number) => {
    res.set('cache-control', 'no-store');
    if (negotiate(req) === 'json') return res.status(status).json({ job: describeJob(job) });
    if (status === 202) return res.redirect(303, `/dlq/replay/${job.id}`);
    res
      .status(status)
      .type('html')
      .send(renderReplayPage(job, csrf.tokenFor(principalOf(res)!)));
  };

  router.post('/dlq/replay', ...guarded, async (req: Request, res: Response) => {
    const selection = parseSelection(req.body);
    answer(req, res, await available().dryRun(principalOf(res)!.name, selection), 202);
  });
  router.post('/dlq/replay/:id/confirm', ...guarded, async (req: Request, res: Response) => {
    answer(req, res, await available().confirm(principalOf(res)!.name, String(req.params.id)), 202);
  });
  router.post('/dlq/replay/:id/cancel', ...guarded, (req: Request, res: Response) => {
    answer(req, res, available().cancel(principalOf(res)!.name, String(req.params.id)), 202);
  });
  router.get('/dlq/replay/:id', requireOperator, (req, res) => {
    const job = available().get(String(req.params.id));
    if (!job)
      throw httpError(
        'not_found',
        'no such replay: the viewer remembers its last 20, until it restarts; the audit log keeps every replay',
      );
    answer(req, res, job, 200);
  });
  return router;
}
