// Where media files live, behind one small interface with two backends: the
// local filesystem (default, `${DATA_DIR}/media`) and any S3-compatible object
// store (AWS SDK v3). The media service writes originals, the moderation
// worker reads them and writes variants; both build their Storage here.
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { FsStorage } from './fs.js';
import { S3Storage } from './s3.js';

export interface StoredFile {
  body: Readable;
  size: number | undefined;
  contentType: string | undefined;
}

/** Inclusive byte offsets, as in HTTP's Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface Storage {
  readonly kind: 'fs' | 's3';
  /** Stores a local file (streamed) under `key`, replacing what was there. */
  putFile(key: string, filePath: string, contentType: string): Promise<void>;
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** The whole object; null when missing. */
  read(key: string): Promise<Buffer | null>;
  /** A stream of the object (or of bytes `range.start`..`range.end`, inclusive); null when missing. */
  open(key: string, range?: ByteRange): Promise<StoredFile | null>;
  /** Removes these keys; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
}

export function createStorage(config: Pick<Config, 'dataDir' | 'media'>): Storage {
  if (config.media.storage === 's3') {
    const s3 = config.media.s3;
    if (!s3.bucket) throw new Error('S3_BUCKET is required when STORAGE_DRIVER=s3');
    return new S3Storage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined,
    });
  }
  return new FsStorage(path.resolve(config.dataDir, 'media'));
}

export { FsStorage } from './fs.js';
export * from './keys.js';
export { S3Storage } from './s3.js';
