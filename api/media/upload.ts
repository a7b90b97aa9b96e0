// Multipart uploads: formidable streams the `file` part to a temporary file
// and hashes it on the way. The whole body passes through a byte counter
// first, so an upload over the limit is cut off (413) while it streams,
// whatever its framing (Content-Length or chunked) and whichever part carries
// the bytes (a huge text field or a second file part counts like the file).
// Nothing is held in memory or written to disk in full. The middleware removes
// the temporary file once the route is done (or the upload was refused).
//
// After a refusal the rest of the body is still read and discarded (up to
// MEDIA_DRAIN_MAX_BYTES, DRAIN_MAX_MS) before the connection may close: fetch
// (undici) and browsers report a connection closed while they are still
// sending as a network error (EPIPE, "other side closed"), not as the 413 or
// 429 that was sent.
import os from 'node:os';
import fsp from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished, Transform, type TransformCallback } from 'node:stream';
import type { Context, Next } from 'koa';
import formidable, { type File } from 'formidable';
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../../shared/errors.js';

export interface UploadedFile {
  path: string;
  size: number;
  sha256: string;
}

// Room for the multipart envelope (boundaries, part headers) around the file.
const ENVELOPE_BYTES = 64 * 1024;
// A client that needs longer than this to send the rest of a refused upload
// has its connection closed anyway (it has had the answer all along).
const DRAIN_MAX_MS = 10_000;

// Formidable's error codes (formidable/src/FormidableError.js).
const TOO_BIG = new Set([1006, 1009, 1016]); // fields, all files, one file
const EMPTY = new Set([1008, 1010]);
const TOO_MANY_FILES = 1015;

export function tooLarge(maxBytes: number) {
  return new AppError(413, 'payload_too_large', `The upload is larger than ${maxBytes} bytes`, { max_bytes: maxBytes });
}

/** Passes a request body through, failing with a 413 once more than `limit` bytes arrived. */
class BodyLimit extends Transform {
  private received = 0;

  constructor(
    protected limit: number,
    protected refusal: () => AppError,
  ) {
    super();
  }

  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.received += chunk.length;
    if (this.received > this.limit) return done(this.refusal());
    done(null, chunk);
  }
}

// The `file` part's first bytes: enough for file-type to name any container.
const SNIFF_BYTES = 4100;
// A file part that has not begun within this much of the body is held to the image limit.
const HEAD_MAX = ENVELOPE_BYTES + SNIFF_BYTES;
const FILE_PART_RE = /content-disposition:[^\r\n]*name="file"[^\r\n]*filename=[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/i;

/**
 * A BodyLimit whose limit depends on what the `file` part is, by its first
 * bytes: a video container may be up to `videoMaxBytes`, anything else is held
 * to `maxBytes` while it streams (so a huge image is still cut off early).
 */
class SniffingBodyLimit extends BodyLimit {
  private head: Buffer[] = [];
  private headBytes = 0;
  private decided = false;
  /** The file limit that holds now: the video one until the first bytes say otherwise. */
  maxBytesNow: number;

  constructor(
    private readonly maxBytes: number,
    private readonly videoMaxBytes: number,
  ) {
    super(Math.max(maxBytes, videoMaxBytes) + ENVELOPE_BYTES, () => tooLarge(Math.max(maxBytes, videoMaxBytes)));
    this.maxBytesNow = Math.max(maxBytes, videoMaxBytes);
  }

  _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback) {
    if (this.decided) return super._transform(chunk, encoding, done);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    const head = Buffer.concat(this.head);
    const m = FILE_PART_RE.exec(head.toString('latin1'));
    const start = m ? m.index + m[0].length : -1;
    if ((start < 0 || head.length - start < SNIFF_BYTES) && this.headBytes < HEAD_MAX) return super._transform(chunk, encoding, done);
    this.decided = true;
    this.head = [];
    const sniffed = start < 0 ? Promise.resolve(undefined) : fileTypeFromBuffer(head.subarray(start, start + SNIFF_BYTES)).catch(() => undefined);
    sniffed.then((type) => {
      if (!type?.mime.startsWith('video/')) {
        this.maxBytesNow = this.maxBytes;
        this.limit = this.maxBytes + ENVELOPE_BYTES;
        this.refusal = () => tooLarge(this.maxBytes);
      }
      super._transform(chunk, encoding, done);
    }, done);
  }
}

function mapFormidableError(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: number; httpCode?: number };
  if (typeof e.code === 'number' && TOO_BIG.has(e.code)) return tooLarge(maxBytes);
  if (typeof e.code === 'number' && EMPTY.has(e.code)) return AppError.validation([{ field: 'file', message: 'the file is empty' }]);
  if (e.code === TOO_MANY_FILES) return AppError.validation([{ field: 'file', message: 'send exactly one file' }]);
  if (typeof e.httpCode === 'number' && e.httpCode < 500) return AppError.validation([{ field: '(body)', message: 'malformed multipart/form-data body' }]);
  return err;
}

/** Reads the multipart body of `req` through a BodyLimit; the files are left on disk for the caller. */
async function parseMultipart(req: IncomingMessage, opts: UploadOptions): Promise<[Record<string, string[] | undefined>, Record<string, File[] | undefined>]> {
  const fileMax = Math.max(opts.maxBytes, opts.videoMaxBytes ?? 0);
  const limited = opts.videoMaxBytes ? new SniffingBodyLimit(opts.maxBytes, opts.videoMaxBytes) : new BodyLimit(opts.maxBytes + ENVELOPE_BYTES, () => tooLarge(opts.maxBytes));
  const interrupted = () => {
    if (!req.complete) limited.destroy(AppError.validation([{ field: '(body)', message: 'the upload was interrupted' }]));
  };
  req.once('close', interrupted);
  req.pipe(limited);
  const form = formidable({
    uploadDir: opts.uploadDir ?? os.tmpdir(),
    maxFiles: 1,
    maxFileSize: fileMax,
    maxTotalFileSize: fileMax,
    maxFields: 20,
    maxFieldsSize: 64 * 1024,
    allowEmptyFiles: false,
    minFileSize: 1,
    hashAlgorithm: 'sha256',
    // Only the `file` part is kept; other file parts are skipped (their bytes still count in BodyLimit).
    filter: (part) => !part.originalFilename || part.name === 'file',
  });
  try {
    // formidable reads `headers` off the stream it parses. On an error it
    // removes the files it wrote itself.
    const [fields, files] = await form.parse(Object.assign(limited, { headers: req.headers }) as unknown as IncomingMessage);
    return [fields, files];
  } catch (err) {
    // The refusal names the limit that held for this body (an image's, unless it began as a video).
    throw mapFormidableError(err, limited instanceof SniffingBodyLimit ? limited.maxBytesNow : fileMax);
  } finally {
    req.off('close', interrupted);
    req.unpipe(limited);
    limited.destroy();
  }
}

export interface UploadOptions {
  maxBytes: number;
  /** Video containers (sniffed from the first bytes) may be this large instead. */
  videoMaxBytes?: number;
  uploadDir?: string;
}

export function multipartUpload(opts: UploadOptions) {
  const fileMax = Math.max(opts.maxBytes, opts.videoMaxBytes ?? 0);
  return async function upload(ctx: Context, next: Next) {
    if (!isMultipart(ctx)) return next();
    // A declared length over the limit is refused before a byte is read.
    const declared = Number(ctx.get('content-length') || NaN);
    if (declared > fileMax + ENVELOPE_BYTES) throw tooLarge(fileMax);
    const [fields, files] = await parseMultipart(ctx.req, opts);
    ctx.state.uploadedFiles = files;
    ctx.state.uploadedFields = fields;
    try {
      await next();
    } finally {
      await removeAll(files);
    }
  };
}

async function removeAll(files: Record<string, File[] | undefined>) {
  await Promise.all(
    Object.values(files)
      .flat()
      .map((f) => f && fsp.rm(f.filepath, { force: true })),
  );
}

/**
 * Wraps the routes that take uploads: when they refuse one before its body
 * arrived in full (401, 403, 413, 429, ...), the refusal goes out at once and
 * the rest of the body is read and discarded, up to `drainMaxBytes` and
 * DRAIN_MAX_MS. A body that ends within that leaves the connection as good as
 * any other; one that does not gets its connection closed once the answer is
 * out, so a refused upload never costs more than the bound.
 *
 * No `Connection: close` on the refusal: Node destroys such a socket as soon as
 * the answer is written, and a socket destroyed with unread data sends a reset
 * that can overtake the answer (the client then reports EPIPE, not the 413).
 */
export function readableRefusals(opts: { drainMaxBytes: number }) {
  return async function refuseReadably(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      if (!ctx.req.complete && !ctx.req.destroyed) discardRest(ctx.req, ctx.res, opts.drainMaxBytes);
      throw err;
    }
  };
}

function discardRest(req: IncomingMessage, res: ServerResponse, maxBytes: number) {
  let left = maxBytes;
  const stopReading = () => {
    clearTimeout(timer);
    req.off('data', onData).off('end', stopReading).off('close', stopReading);
  };
  const giveUp = () => {
    stopReading();
    req.pause();
    // The answer first: the client has had the time of the drain to read it.
    finished(res, () => req.socket?.destroy());
  };
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) giveUp();
  };
  const timer = setTimeout(giveUp, DRAIN_MAX_MS);
  req.on('data', onData).once('end', stopReading).once('close', stopReading);
  req.resume();
  if (maxBytes === 0) giveUp();
}

/** The uploaded `file` part, or a 400 naming the missing field. */
export function uploadedFile(ctx: Context): UploadedFile {
  const files = (ctx.state.uploadedFiles ?? {}) as Record<string, File[] | undefined>;
  const file = files.file?.[0];
  if (!file) throw AppError.validation([{ field: 'file', message: 'a multipart field `file` with the image is required' }]);
  return { path: file.filepath, size: file.size, sha256: String(file.hash) };
}

/** A text field of the multipart body (its first value), if sent. */
export function uploadedField(ctx: Context, name: string): string | undefined {
  const fields = (ctx.state.uploadedFields ?? {}) as Record<string, string[] | undefined>;
  return fields[name]?.[0];
}

export function isMultipart(ctx: Context): boolean {
  return Boolean(ctx.is('multipart/form-data'));
}
