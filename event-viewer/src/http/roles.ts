import type { RequestHandler, Response } from 'express';
import type { Principal } from './access.js';
import { httpError } from './errors.js';

/** Who made this request, set by the access check; undefined on a viewer without credentials. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

export const isOperator = (res: Response): boolean => principalOf(res)?.role === 'operator';

/**
 * Lets only operators through. A viewer without credentials has no operator: anyone who can reach the
 * port may read, but nobody unnamed may change what Kafka holds.
 */
export const requireOperator: RequestHandler = (_req, res, next) => {
  const principal = principalOf(res);
  if (principal?.role === 'operator') return next();
  next(
    httpError(
      'forbidden',
      principal
        ? `${principal.name} is a reader; this needs the operator role`
        : 'this needs an operator, and this viewer has no credentials configured (VIEWER_USERS_FILE, ' +
            'VIEWER_OPERATOR_TOKEN)',
    ),
  );
};
