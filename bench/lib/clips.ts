// The video clip half of bench/moderation.ts: 10-second 1080p clips (made by
// ffmpeg from its test sources, each one different so none shares another's
// files) through the whole pipeline (stream → worker → probe, transcode to
// 720p and 480p, poster, NSFW on 5 frames, storage, PostgreSQL).
//   clips_per_s: a batch published at once, one worker, until the last is moderated;
//   clip_approval_ms: one clip at a time on an idle worker, publish → approved (median).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../shared/ffmpeg.js';
import type { Platform } from '../../shared/platform.js';
import { createStorage, originalKey } from '../../shared/storage/index.js';
import { startModerationWorker } from '../../workers/moderation/index.js';
import { percentile, round } from './stats.js';

const run = promisify(execFile);

export interface ClipSetup {
  clips: number;
  width: number;
  height: number;
  seconds: number;
}

async function makeClip(setup: ClipSetup, seed: number): Promise<Buffer> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-clip-'));
  const out = path.join(dir, 'clip.mp4');
  try {
    await run(ffmpegPath(), [
      '-hide_banner', '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${setup.width}x${setup.height}:rate=30`,
      '-f', 'lavfi', '-i', `sine=frequency=${300 + seed}:sample_rate=48000`,
      '-t', String(setup.seconds),
      '-vf', `drawbox=x=${seed * 16}:y=0:w=16:h=16:color=red`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
      out,
    ]);
    return await fsp.readFile(out);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function insertClips(platform: Platform, clips: Buffer[], ownerId: string, seconds: number): Promise<string[]> {
  const storage = createStorage(platform.config);
  const ids: string[] = [];
  for (const bytes of clips) {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const key = originalKey(sha, 'mp4');
    await storage.put(key, bytes, 'video/mp4');
    const [row] = await platform
      .db('media')
      .insert({ owner_id: ownerId, kind: 'video', mime: 'video/mp4', size: bytes.length, sha256: sha, original_key: key, duration_s: seconds })
      .returning(['id']);
    ids.push(row.id);
  }
  return ids;
}

async function moderated(platform: Platform, ids: string[]) {
  for (;;) {
    const [{ n }] = await platform.db('media').whereIn('id', ids).andWhere('status', 'pending').count<{ n: number }[]>({ n: '*' });
    if (Number(n) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function measureClips(platform: Platform, ownerId: string, setup: ClipSetup): Promise<{ clips_per_s: number | null; clip_approval_ms: number; statuses: string[] }> {
  const made: Buffer[] = [];
  for (let i = 0; i < setup.clips * 2; i++) made.push(await makeClip(setup, i));
  const batch = await insertClips(platform, made.slice(0, setup.clips), ownerId, setup.seconds);
  const single = await insertClips(platform, made.slice(setup.clips), ownerId, setup.seconds);
  const worker = startModerationWorker(platform, { storage: createStorage(platform.config), preloadModel: true });
  try {
    await worker.ready;
    const publish = (id: string) => platform.bus.publish('media.uploaded', { media_id: id, owner_id: ownerId, storage_key: 'x', mime: 'video/mp4' });
    const t0 = performance.now();
    for (const id of batch) await publish(id);
    await moderated(platform, batch);
    const batchMs = performance.now() - t0;

    const approvals: number[] = [];
    for (const id of single) {
      const t = performance.now();
      await publish(id);
      await moderated(platform, [id]);
      approvals.push(performance.now() - t);
    }
    const statuses = await platform.db('media').whereIn('id', [...batch, ...single]).pluck('status');
    return { clips_per_s: round((setup.clips * 1000) / batchMs, 3), clip_approval_ms: Math.round(percentile(approvals.sort((a, b) => a - b), 50)), statuses };
  } finally {
    await worker.stop();
  }
}
