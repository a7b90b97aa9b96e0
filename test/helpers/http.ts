// Starting apps on port 0 and calling them like a client would.
import type http from 'node:http';
import { closeServer, listen, portOf } from '../../shared/http/app.js';

export interface Running {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startHttp(handler: http.RequestListener): Promise<Running> {
  const server = await listen(handler, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${portOf(server)}`, server, close: () => closeServer(server, 1000) };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed bodies). */
  rawBody?: string | Uint8Array | FormData;
  headers?: Record<string, string>;
}

export async function request<T = any>(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody as BodyInit;
  else if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Bound to one base URL: api.get('/x', {token}). */
export function client(baseUrl: string) {
  return {
    get: <T = any>(path: string, opts?: RequestOptions) => request<T>(baseUrl, 'GET', path, opts),
    post: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>(baseUrl, 'POST', path, { ...opts, body }),
    put: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>(baseUrl, 'PUT', path, { ...opts, body }),
    del: <T = any>(path: string, opts?: RequestOptions) => request<T>(baseUrl, 'DELETE', path, opts),
    request: <T = any>(method: string, path: string, opts?: RequestOptions) => request<T>(baseUrl, method, path, opts),
  };
}

/** Asserts the contract's error shape and returns the code. */
export function errorCode(res: ApiResponse): string {
  const e = (res.body as { error?: { code?: unknown; message?: unknown } })?.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') {
    throw new Error(`not the contract's error shape (status ${res.status}): ${JSON.stringify(res.body)}`);
  }
  return e.code;
}
