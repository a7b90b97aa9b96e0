// HTTP range requests of served clips and voice notes (RFC 9110 §14): one
// range per request (a player asks for one at a time); several ranges, a
// malformed header or an If-Range that no longer matches get the whole file,
// as the RFC allows. A range that starts past the end is unsatisfiable (416).
import type { ByteRange } from '../../shared/storage/index.js';

const RANGE_RE = /^bytes=(\d*)-(\d*)$/;

/** The range to serve, null for the whole file, or 'unsatisfiable'. */
export function parseRange(header: string, size: number, ifRange: string, etag: string): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  if (ifRange && ifRange !== etag) return null;
  const m = RANGE_RE.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end };
}
