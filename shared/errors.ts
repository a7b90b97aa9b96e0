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
  /** PostgreSQL or Redis cannot be reached right now (the gateway uses the same code for a service that is down). */
  static unavailable(message = 'Temporarily unavailable; retry shortly') {
    return new AppError(503, 'service_unavailable', message, undefined, { 'Retry-After': '1' });
  }
}

// Connection failures of pg/knex and ioredis (refused, reset, server shut down or
// starting, pool wait timed out, retries on reconnect used up; on Sentinel and
// Cluster also: no sentinel answers, a failover or resharding under way, a
// replica not promoted yet): the store is down for now, and the same request
// can succeed once it is back.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'KnexTimeoutError', 'ClusterAllFailedError']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Connection ended unexpectedly|Connection is closed|not queryable|^(CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN) |All sentinels are unreachable|None of startup nodes is available|Cluster is disconnect|Cluster isn't ready|Too many Cluster redirections/;

/** True when `err` says a store is unreachable rather than that the request or the code is wrong. */
export function isUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof AppError) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNAVAILABLE_CODES.has(code) || (code.length === 5 && code.startsWith('08'))) return true; // SQLSTATE class 08: connection exception
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
}

/** The shape a socket ack carries for a failure. */
export function errorAck(err: unknown): { ok: false; error: { code: string; message: string; details?: unknown } } {
  if (err instanceof AppError) return { ok: false, ...err.toBody() };
  if (isUnavailable(err)) return { ok: false, ...AppError.unavailable().toBody() };
  return { ok: false, error: { code: 'internal_error', message: 'Internal error' } };
}
