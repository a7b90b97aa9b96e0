// Filesystem backend: one file per key under a root directory. Writes go to a
// temporary name in the same directory and are renamed into place, so a reader
// (or a crash) never sees half a file.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertValidKey } from './keys.js';
import type { ByteRange, Storage, StoredFile } from './index.js';

export class FsStorage implements Storage {
  readonly kind = 'fs' as const;

  constructor(readonly root: string) {}

  /** The file of a key; throws for a key that is not ours or escapes the root. */
  pathOf(key: string): string {
    assertValidKey(key);
    const p = path.resolve(this.root, key);
    if (!p.startsWith(this.root + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>) {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await write(tmp);
      await fsp.rename(tmp, target);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  // The content type is not kept: files are served by key, whose format is known.
  putFile(key: string, filePath: string, _contentType?: string): Promise<void> {
    return this.writeAtomically(key, (tmp) => fsp.copyFile(filePath, tmp));
  }

  put(key: string, data: Buffer, _contentType?: string): Promise<void> {
    return this.writeAtomically(key, (tmp) => fsp.writeFile(tmp, data));
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async read(key: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(this.pathOf(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async open(key: string, range?: ByteRange): Promise<StoredFile | null> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.pathOf(key), fs.constants.O_RDONLY);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (range) return { body: handle.createReadStream({ start: range.start, end: range.end }), size: Math.min(range.end, size - 1) - range.start + 1, contentType: undefined };
      return { body: handle.createReadStream(), size, contentType: undefined };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await fsp.rm(this.pathOf(key), { force: true });
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
