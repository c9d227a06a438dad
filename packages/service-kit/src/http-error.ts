/** An error a client sees: a stable code, its HTTP status, a message for people, optional details. */
export class HttpError<Code extends string = string> extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: Code,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** An HttpError class bound to one service's code → status table. */
export function httpErrorClass<Codes extends Record<string, number>>(codes: Codes) {
  return class ServiceHttpError extends HttpError<keyof Codes & string> {
    constructor(code: keyof Codes & string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
      super(code, codes[code]!, message, details, options);
    }
  };
}
