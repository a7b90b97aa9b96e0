// Uploads with a progress bar: fetch cannot report how much of a body went
// out, XMLHttpRequest can. Same base, token and error shape as http.ts; an
// expired token is refreshed once and the upload sent again.
import { API_BASE, ApiError } from './http.js';
import type { Session } from './session.js';

function send<T>(session: Session, path: string, form: FormData, onProgress: (sent: number, total: number) => void): Promise<{ status: number; body: T | null; retryAfter?: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_BASE}${path}`);
    if (session.token) xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.timeout = 300_000;
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => {
      let body: T | null = null;
      try {
        body = xhr.responseText ? (JSON.parse(xhr.responseText) as T) : null;
      } catch {
        // not JSON: the status says enough
      }
      resolve({ status: xhr.status, body, retryAfter: Number(xhr.getResponseHeader('retry-after')) || undefined });
    };
    xhr.onerror = xhr.ontimeout = () => reject(new ApiError(0, 'network_error', 'No connection to the server'));
    xhr.send(form);
  });
}

export async function uploadWithProgress<T>(session: Session, path: string, form: FormData, onProgress: (sent: number, total: number) => void): Promise<T> {
  let res = await send<T>(session, path, form, onProgress);
  if (res.status === 401 && (await session.refresh())) res = await send<T>(session, path, form, onProgress);
  if (res.status >= 200 && res.status < 300) return res.body as T;
  const e = (res.body as { error?: { code: string; message: string; details?: unknown } } | null)?.error;
  throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `Upload failed (${res.status})`, e?.details, res.retryAfter);
}
