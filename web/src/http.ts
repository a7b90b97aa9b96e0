// REST calls to the platform. Every path of the contract also works under
// /api/v1 through the gateway; the client uses the versioned form.
import type { ErrorBody } from './contract.js';
import type { Session } from './session.js';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Per-field messages of a 400 validation_failed. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as { field?: string; message?: string }[]) {
        if (d && typeof d.field === 'string') out[d.field.split('.')[0]] ??= d.message ?? 'Invalid value';
      }
    }
    return out;
  }
}

export async function readError(res: Response): Promise<ApiError> {
  const retry = Number(res.headers.get('retry-after')) || undefined;
  try {
    const body = (await res.json()) as ErrorBody;
    if (body?.error?.code) return new ApiError(res.status, body.error.code, body.error.message, body.error.details, retry);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, res.status >= 500 ? 'unavailable' : 'error', `Request failed (${res.status})`, undefined, retry);
}

export class Api {
  constructor(private readonly session: Session) {}

  get<T>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  del<T = void>(path: string) {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.session.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(`${API_BASE}${path}`, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(body instanceof FormData ? 120_000 : 20_000),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'No connection to the server');
    }
    if (res.status === 401 && token && !retried) {
      const err = await readError(res);
      // An expired access token is routine: refresh once and repeat the call.
      if (err.code === 'token_expired' || err.code === 'unauthorized') {
        if (await this.session.refresh()) return this.request<T>(method, path, body, true);
        if (this.session.loggedIn) throw new ApiError(0, 'network_error', 'No connection to the server');
      }
      throw err;
    }
    if (!res.ok) throw await readError(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
