import type { Request, Response } from 'express';
import { z } from 'zod';
import { sendCompressible } from '../http/compress.js';
import { parseInput } from '../http/inputs.js';
import type { PipelineStatus } from './pipeline-status.js';
import { renderStatusMain, renderStatusPage } from './status-page.js';

/** The query of /status: `part=main` asks for only what the page swaps in when it refreshes. */
export const statusQuerySchema = z.object({ part: z.enum(['main'], 'must be main').optional() });

/** GET /status: the last sample, as JSON or as the page (`?part=main`: only what the page swaps in). */
export function createStatusRoute(status: Pick<PipelineStatus, 'snapshot'>, sampleMs: number) {
  return (req: Request, res: Response, format: 'html' | 'json'): Promise<void> | void => {
    const { part } = parseInput(statusQuerySchema, req.query);
    res.set('cache-control', 'no-store');
    const snapshot = status.snapshot();
    if (format === 'json') {
      return sendCompressible(req, res, {
        contentType: 'application/json; charset=utf-8',
        body: Buffer.from(JSON.stringify(snapshot)),
      });
    }
    const text = part === 'main' ? renderStatusMain(snapshot, sampleMs).text : renderStatusPage(snapshot, sampleMs);
    return sendCompressible(req, res, { contentType: 'text/html; charset=utf-8', body: Buffer.from(text) });
  };
}
