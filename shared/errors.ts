// The one error type of the platform. Services throw it; the HTTP error
// middleware and the socket ack helper are the only places that render it.

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }

  static validation(details: FieldProblem[], message = 'Request validation failed') {
    return new AppError(400, 'validation_failed', message, details);
  }
  static unauthorized(message = 'Authentication required', code = 'unauthorized') {
    return new AppError(401, code, message);
  }
  static forbidden(message = 'Not allowed') {
    return new AppError(403, 'forbidden', message);
  }
  static notFound(message = 'Not found') {
    return new AppError(404, 'not_found', message);
  }
  static conflict(message: string, details?: unknown) {
    return new AppError(409, 'conflict', message, details);
  }
  static rateLimited(retryAfterS: number, code: 'rate_limited' | 'quota_exceeded' = 'rate_limited', message = 'Too many requests') {
    const s = Math.max(1, Math.ceil(retryAfterS));
    return new AppError(429, code, message, { retry_after_s: s }, { 'Retry-After': String(s) });
  }
}

/** The shape a socket ack carries for a failure. */
export function errorAck(err: unknown): { ok: false; error: { code: string; message: string; details?: unknown } } {
  if (err instanceof AppError) return { ok: false, ...err.toBody() };
  return { ok: false, error: { code: 'internal_error', message: 'Internal error' } };
}
