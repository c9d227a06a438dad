/** HTTP: the server and its ops endpoints, errors as answers, request logs and metrics, authorization headers. */
export { parseAuthorization } from './authorization.js';
export { COMMON_ERROR_CODES, classifyRequestError, HttpError, httpErrorFactory } from './http-error.js';
export { httpObservability } from './http-observability.js';
export {
  errorResponses,
  type JsonSchema,
  OPS_OPERATIONS,
  type OperationSpec,
  openApiDocument,
  RETRY_AFTER_HEADER,
  type ResponseSpec,
  unlistedRoute,
} from './openapi.js';
export {
  createHttpServer,
  listen,
  type ReadinessCheck,
  type StartedServer,
  startOpsServer,
} from './ops.js';
