// The one Koa middleware that turns errors into the contract's error shape.
// AppError renders as itself; errors from body parsers and Koa (which carry an
// HTTP status) render with the contract's code for that status; a store that
// cannot be reached is a 503 `service_unavailable` with Retry-After; anything
// else is logged and becomes a 500 that shows only the request id.
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import { AppError, isUnavailable } from '../errors.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  411: 'validation_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
  code?: string;
}

function fromHttpError(err: HttpishError): AppError | undefined {
  const status = err.status ?? err.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const code = CODE_BY_STATUS[status] ?? 'bad_request';
  let message = err.expose && err.message ? err.message : 'Bad request';
  let details: unknown;
  // koa-body 8 throws a bare SyntaxError with status 400 (no `type`) for malformed JSON.
  if (err.type === 'entity.parse.failed' || (status === 400 && (err as Error).name === 'SyntaxError')) {
    message = 'Malformed JSON body';
    details = [{ field: '(body)', message: 'body is not valid JSON' }];
  } else if (err.type === 'entity.too.large') message = 'Request body too large';
  else if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') message = 'Unsupported body encoding';
  return new AppError(status, code, message, details);
}

export function errorMiddleware() {
  return async function renderErrors(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw AppError.notFound(`No route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405 && ctx.body === undefined) throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`);
    } catch (err) {
      const appErr = err instanceof AppError ? err : fromHttpError(err as HttpishError);
      if (appErr) {
        ctx.status = appErr.status;
        ctx.body = appErr.toBody();
        if (appErr.headers) ctx.set(appErr.headers);
        return;
      }
      const requestId = ctx.state.requestId as string | undefined;
      const log = ctx.state.log as Logger; // set by requestContext, which runs first (shared/http/app.ts)
      if (isUnavailable(err)) {
        // PostgreSQL or Redis is down for now: the client retries (Retry-After); one line, no stack.
        log.warn({ err: (err as Error).message, request_id: requestId }, 'store unavailable');
        const unavailable = AppError.unavailable();
        ctx.status = unavailable.status;
        ctx.body = unavailable.toBody();
        ctx.set(unavailable.headers!);
        return;
      }
      log.error({ err, request_id: requestId }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal_error', message: 'Internal error', details: { request_id: requestId } } };
    }
  };
}
