// What the media and moderation tests share: a media app on port 0 over a
// test platform with its own media directory, multipart uploads, and waiting
// for moderation.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createMediaRouter } from '../../api/media/index.js';
import { FsStorage } from '../../shared/storage/index.js';
import { testPlatform } from '../helpers/env.js';
import { client, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

export interface MediaApp {
  platform: Platform;
  running: Running;
  api: ReturnType<typeof client>;
  dataDir: string;
  uploadDir: string;
  storage: FsStorage;
  close(): Promise<void>;
}

export async function startMediaApp(env: Record<string, string> = {}): Promise<MediaApp> {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'media-test-'));
  const uploadDir = path.join(dataDir, 'uploads');
  await fsp.mkdir(uploadDir);
  const platform = testPlatform({ DATA_DIR: dataDir, NSFW_ENABLED: 'false', ...env }, 'media');
  const storage = new FsStorage(path.join(dataDir, 'media'));
  const app = createHttpApp({
    service: 'media',
    logger: platform.logger,
    readiness: platform,
    routers: [createMediaRouter(platform, { uploadDir, storage })],
  });
  const running = await startHttp(app.callback());
  return {
    platform,
    running,
    api: client(running.url),
    dataDir,
    uploadDir,
    storage,
    async close() {
      await running.close();
      await platform.close();
      await fsp.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs `data` as multipart field `file` (or another field name). */
export function uploadTo(api: MediaApp['api'], urlPath: string, token: string, data: Buffer, opts: { filename?: string; type?: string; field?: string } = {}): Promise<ApiResponse> {
  const form = new FormData();
  form.append(opts.field ?? 'file', new Blob([new Uint8Array(data)], { type: opts.type ?? 'application/octet-stream' }), opts.filename ?? 'photo.jpg');
  return api.request('POST', urlPath, { token, rawBody: form });
}

/** Every file under the media directory, relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The media row's status once it is no longer pending. */
export function moderated(db: Knex, id: string, timeoutMs = 15_000): Promise<{ status: string; variants: any; nsfw_score: number | null; nsfw_scores: any; width: number; height: number; reject_reason: string | null; moderated_at: Date }> {
  return waitFor(
    `media ${id} to be moderated`,
    async () => {
      const row = await db('media').where('id', id).first();
      return row && row.status !== 'pending' ? row : undefined;
    },
    timeoutMs,
  );
}
