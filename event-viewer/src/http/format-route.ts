import type { Request, Response } from 'express';
import { httpError } from './errors.js';
import { negotiate } from './negotiate.js';

type Format = 'html' | 'json';
export type FormatHandler = (req: Request, res: Response, format: Format) => void | Promise<void>;

/**
 * A GET that answers HTML or JSON as the request asks (406 for neither), or, when the room could not be
 * built because the viewer has no Kafka, 503 kafka_unavailable in the format asked for.
 */
export const withFormat = (handler: FormatHandler | undefined) => (req: Request, res: Response) => {
  res.vary('Accept');
  const format = negotiate(req);
  if (!handler) throw httpError('kafka_unavailable', 'this viewer was started without Kafka');
  return handler(req, res, format);
};
