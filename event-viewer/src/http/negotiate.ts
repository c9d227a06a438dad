import { createLru } from '@eventstreamapp/service-kit';
import type { Request } from 'express';
import { httpError } from './errors.js';

// Parsing an Accept header costs more than answering a cached page; clients send few distinct ones.
const negotiated = createLru<'html' | 'json' | false>(256);

/** HTML unless the client prefers JSON (Accept, with q-weights); 406 when it takes neither. */
export function negotiate(req: Request): 'html' | 'json' {
  const accept = req.headers.accept ?? '';
  let type = negotiated.get(accept);
  if (type === undefined) {
    type = req.accepts(['html', 'json']) as 'html' | 'json' | false;
    if (accept.length <= 512) negotiated.set(accept, type);
  }
  if (!type) throw httpError('not_acceptable', 'this resource is available as text/html or application/json');
  return type;
}
