// Multipart uploads: koa-body (formidable) streams the `file` part to a
// temporary file and hashes it on the way; the size limit is enforced while
// streaming, so an oversized upload is cut off (413) without being held in
// memory or written to disk in full. The middleware removes the temporary
// file once the route is done (or the upload was refused).
import os from 'node:os';
import fsp from 'node:fs/promises';
import type { Context, Next } from 'koa';
import { koaBody, HttpMethodEnum } from 'koa-body';
import type { File } from 'formidable';
import { AppError } from '../../shared/errors.js';

export interface UploadedFile {
  path: string;
  size: number;
  sha256: string;
}

// Room for the multipart envelope (boundaries, part headers) around the file.
const ENVELOPE_BYTES = 64 * 1024;

// Formidable's error codes (formidable/src/FormidableError.js).
const TOO_BIG = new Set([1009, 1016]);
const EMPTY = new Set([1008, 1010]);
const TOO_MANY_FILES = 1015;

function tooLarge(maxBytes: number) {
  return new AppError(413, 'payload_too_large', `The file is larger than ${maxBytes} bytes`, { max_bytes: maxBytes });
}

export function multipartUpload(opts: { maxBytes: number; uploadDir?: string }) {
  const parse = koaBody({
    multipart: true,
    json: false,
    urlencoded: false,
    text: false,
    parsedMethods: [HttpMethodEnum.POST],
    formidable: {
      uploadDir: opts.uploadDir ?? os.tmpdir(),
      maxFiles: 1,
      maxFileSize: opts.maxBytes,
      maxTotalFileSize: opts.maxBytes,
      maxFields: 20,
      maxFieldsSize: 64 * 1024,
      allowEmptyFiles: false,
      minFileSize: 1,
      hashAlgorithm: 'sha256',
      // Only the `file` part is kept; other file parts are skipped.
      filter: (part) => !part.originalFilename || part.name === 'file',
    },
    onError(err) {
      const e = err as { code?: number; httpCode?: number };
      if (typeof e.code === 'number' && TOO_BIG.has(e.code)) throw tooLarge(opts.maxBytes);
      if (typeof e.code === 'number' && EMPTY.has(e.code)) throw AppError.validation([{ field: 'file', message: 'the file is empty' }]);
      if (e.code === TOO_MANY_FILES) throw AppError.validation([{ field: 'file', message: 'send exactly one file' }]);
      if (typeof e.httpCode === 'number' && e.httpCode < 500) {
        throw AppError.validation([{ field: '(body)', message: 'malformed multipart/form-data body' }]);
      }
      throw err;
    },
  });

  return async function upload(ctx: Context, next: Next) {
    const declared = Number(ctx.get('content-length') || NaN);
    try {
      // A declared length over the limit is refused before a byte is read.
      if (declared > opts.maxBytes + ENVELOPE_BYTES) throw tooLarge(opts.maxBytes);
      await parse(ctx, async () => {});
    } catch (err) {
      // Do not drain the rest of an upload we refused: close the connection
      // once the error response is out.
      if (err instanceof AppError && err.status === 413) ctx.set('Connection', 'close');
      await removeFiles(ctx);
      throw err;
    }
    try {
      await next();
    } finally {
      await removeFiles(ctx);
    }
  };
}

function filesIn(ctx: Context): File[] {
  const files = (ctx.request as { files?: Record<string, File | File[]> }).files ?? {};
  return Object.values(files).flat();
}

async function removeFiles(ctx: Context) {
  await Promise.all(filesIn(ctx).map((f) => fsp.rm(f.filepath, { force: true })));
}

/** The uploaded `file` part, or a 400 naming the missing field. */
export function uploadedFile(ctx: Context): UploadedFile {
  const files = (ctx.request as { files?: Record<string, File | File[]> }).files ?? {};
  const f = files.file;
  const file = Array.isArray(f) ? f[0] : f;
  if (!file) throw AppError.validation([{ field: 'file', message: 'a multipart field `file` with the image is required' }]);
  return { path: file.filepath, size: file.size, sha256: String(file.hash) };
}

export function isMultipart(ctx: Context): boolean {
  return Boolean(ctx.is('multipart/form-data'));
}
