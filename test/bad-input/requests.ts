// Small builders for the case tables: who sends what, where.
import http from 'node:http';
import net from 'node:net';
import type { ApiResponse } from '../helpers/http.js';
import { expectContract } from '../contract/response-check.js';
import type { Cast, Harness, Status } from './harness.js';

export type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'newbie' | 'admin' | 'banned' | null;
type Dyn<T> = T | ((c: Cast) => T);
export type Send = (h: Harness) => Promise<ApiResponse>;

export interface Case {
  name: string;
  send: Send;
  status?: Status;
  code?: string | string[];
}

const val = <T>(v: Dyn<T>, c: Cast): T => (typeof v === 'function' ? (v as (c: Cast) => T)(c) : v);
const tokenOf = (h: Harness, who: Who) => (who ? h.cast[who].token : undefined);

/** A JSON request (body serialised as given; `undefined` sends none). */
export function json(method: string, path: Dyn<string>, body?: Dyn<unknown>, who: Who = 'alice', headers: Record<string, string> = {}): Send {
  return (h) => h.api.request(method, val(path, h.cast), { token: tokenOf(h, who), body: body === undefined ? undefined : val(body, h.cast), headers });
}

/** A request with a raw body and content type as given (undefined: no content type). */
export function raw(method: string, path: Dyn<string>, rawBody: Dyn<string | Uint8Array | FormData>, contentType?: string, who: Who = 'alice', headers: Record<string, string> = {}): Send {
  return (h) =>
    h.api.request(method, val(path, h.cast), {
      token: tokenOf(h, who),
      rawBody: val(rawBody, h.cast),
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    });
}

/** A multipart form with one part `field` holding `data`. */
export function form(data: Uint8Array | string, field = 'file', filename = 'photo.jpg', type = 'image/jpeg'): FormData {
  const f = new FormData();
  f.append(field, new Blob([typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data)], { type }), filename);
  return f;
}

/** A case row: [name, send, status?, code?]. */
export function c(name: string, send: Send, status?: Status, code?: string | string[]): Case {
  return { name, send, status, code };
}

/**
 * A request written part by part with node:http, for what fetch will not send:
 * a Content-Length larger than the body, or a chunked body the server cuts off.
 * Resolves with the first response; the rest of the body is never sent.
 */
export function rawHttp(h: Harness, method: string, path: string, headers: Record<string, string>, parts: string[]): Promise<ApiResponse> {
  const url = new URL(path, h.url);
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = http.request(url, { method, headers }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', () => {});
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (String(res.headers['content-type'] ?? '').includes('json') && text) body = JSON.parse(text);
        const hdrs = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') hdrs.set(k, v);
        req.destroy();
        try {
          expectContract({ method, url: path, status: res.statusCode ?? 0, contentType: hdrs.get('content-type') ?? '', body });
        } catch (err) {
          return reject(err);
        }
        resolve({ status: res.statusCode ?? 0, body, headers: hdrs });
      });
    });
    req.on('error', (err) => {
      if (!responded) reject(err);
    });
    void (async () => {
      for (const p of parts) {
        if (req.destroyed) return;
        if (!req.write(Buffer.from(p, 'latin1'))) await new Promise((r) => req.once('drain', r).once('close', r));
      }
    })();
  });
}

/** Bytes written straight to a TCP connection (malformed HTTP that no client library sends); the response as read until close. */
export function rawSocket(h: Harness, text: string): Promise<ApiResponse> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(Buffer.from(text, 'latin1')));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer to a raw request')));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = response.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of headerLines) {
        const i = line.indexOf(':');
        if (i > 0) headers.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      const text = rest.join('\r\n\r\n');
      let body: unknown = text;
      if ((headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), body, headers });
    });
  });
}
