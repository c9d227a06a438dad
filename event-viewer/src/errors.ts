import { httpErrorClass } from '@eventstreamapp/service-kit';

export const ERROR_CODES = {
  invalid_query: 400,
  not_found: 404,
  not_acceptable: 406,
  internal: 500,
  redis_unavailable: 503,
  too_many_live_clients: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const HttpError = httpErrorClass(ERROR_CODES);
export type HttpError = InstanceType<typeof HttpError>;
