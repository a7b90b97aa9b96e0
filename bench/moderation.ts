// Throughput of the moderation pipeline on this machine.
//   npx tsx bench/moderation.ts [--images 24] [--width 2048] [--height 1536] [--nsfw-runs 20]
// Prints, for the same generated photo-like JPEGs:
//   - the ceiling: bare sharp (decode + auto-orient + one 1280 px WebP), one at a time,
//     and the pipeline's sharp work alone (three variants);
//   - the whole pipeline (Redis stream → worker → decode, 3 WebP variants,
//     storage, PostgreSQL, media.moderated) with NSFW scoring off, then on;
//   - NSFW ms per image for each TensorFlow.js backend that loads (each in its own process);
//   - video clips (bench/lib/clips.ts): 10-second 1080p clips per second through the
//     pipeline with NSFW on (clips_per_s), and publish → approved of one clip (clip_approval_ms).
// Runs on a throwaway database, Redis prefix and media directory, removed afterwards.
// Writes bench/results/moderation.json: nsfw_ms_per_image (mean per image, one
// after another, the backend the worker picks: the first that loads) and
// pipeline_vs_sharp (the pipeline with NSFW on ÷ bare sharp, in images per second).
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import sharp from 'sharp';
import { loadConfig } from '../shared/config.js';
import { createDb, migrateLatest } from '../shared/db.js';
import { createPlatform, type Platform } from '../shared/platform.js';
import { deleteByPrefix } from '../shared/redis.js';
import { createStorage, originalKey } from '../shared/storage/index.js';
import { createLogger } from '../shared/logger.js';
import { startModerationWorker } from '../workers/moderation/index.js';
import { loadNsfwClassifier, NSFW_INPUT_SIZE, type NsfwBackend } from '../workers/moderation/nsfw.js';
import { processImage } from '../workers/moderation/pipeline.js';
import { measureClips, type ClipSetup } from './lib/clips.js';
import { startRun, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '24' },
    width: { type: 'string', default: '2048' },
    height: { type: 'string', default: '1536' },
    'nsfw-runs': { type: 'string', default: '20' },
    'nsfw-child': { type: 'string' },
    clips: { type: 'string', default: '3' },
    'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});

const benchRun = startRun('bench/moderation.ts');
const perS = (n: number, ms: number) => round((n * 1000) / ms, 2);

const sha256 = async (b: Buffer) => (await import('node:crypto')).createHash('sha256').update(b).digest('hex');
const rate = (n: number, ms: number) => `${((n * 1000) / ms).toFixed(1)} images/s (${(ms / n).toFixed(0)} ms/image)`;

/** Child mode: load one backend and time classifications. */
async function nsfwChild(backend: NsfwBackend, runs: number) {
  const logger = createLogger({ logLevel: 'silent', instance: undefined }, 'bench');
  const t0 = Date.now();
  const clf = await loadNsfwClassifier(logger, { backend });
  const loadMs = Date.now() - t0;
  const input = { data: new Uint8Array(NSFW_INPUT_SIZE * NSFW_INPUT_SIZE * 3).map((_, i) => (i * 37) % 256), width: NSFW_INPUT_SIZE, height: NSFW_INPUT_SIZE };
  await clf.classify(input); // warm-up
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await clf.classify(input);
  process.stdout.write(JSON.stringify({ backend: clf.backend, loadMs, msPerImage: (performance.now() - t1) / runs }) + '\n');
}

async function photos(n: number, width: number, height: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + i, sigma: 25 } } })
        .blur(1.2) // less like pure noise, more like a photo's texture
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
  }
  return out;
}

/** One 1280 px WebP per image, with the pipeline's encoder settings: the floor of any pipeline. */
async function bareSharp(images: Buffer[]): Promise<number> {
  const t0 = performance.now();
  for (const img of images) await sharp(img).rotate().resize({ width: 1280, withoutEnlargement: true }).webp({ quality: 82, effort: 2 }).toBuffer();
  return performance.now() - t0;
}

/** The pipeline's image work alone (three variants), without stream, database or storage. */
async function variantsOnly(images: Buffer[]): Promise<number> {
  const t0 = performance.now();
  for (const img of images) await processImage(img, { maxPixels: 50_000_000, classify: false });
  return performance.now() - t0;
}

async function throughPipeline(platform: Platform, images: Buffer[], ownerId: string): Promise<number> {
  const storage = createStorage(platform.config);
  const ids: string[] = [];
  for (const img of images) {
    // A fresh hash per run, so every run does the full work.
    const bytes = Buffer.concat([img, randomBytes(16)]);
    const sha = await sha256(bytes);
    const key = originalKey(sha, 'jpg');
    await storage.put(key, bytes, 'image/jpeg');
    const [row] = await platform.db('media').insert({ owner_id: ownerId, mime: 'image/jpeg', size: bytes.length, sha256: sha, original_key: key }).returning(['id']);
    ids.push(row.id);
  }
  const worker = startModerationWorker(platform, { storage, preloadModel: true });
  await worker.ready; // model loaded (when on): load time is not throughput
  const t0 = performance.now();
  for (const id of ids) await platform.bus.publish('media.uploaded', { media_id: id, owner_id: ownerId, storage_key: 'x', mime: 'image/jpeg' });
  for (;;) {
    const [{ n }] = await platform.db('media').whereIn('id', ids).andWhere('status', 'pending').count<{ n: number }[]>({ n: '*' });
    if (Number(n) === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  await worker.stop();
  return ms;
}

async function main() {
  if (args['nsfw-child']) return nsfwChild(args['nsfw-child'] as NsfwBackend, Number(args['nsfw-runs']));
  const n = Number(args.images);
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `bench_moderation_${id}`;
  const admin = knexFactory({ client: 'pg', connection: args['pg-admin-url'], pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(args['pg-admin-url']!);
  dbUrl.pathname = `/${dbName}`;
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-moderation-'));
  const prefix = `bench:${id}:`;
  const platforms: Platform[] = [];
  try {
    const db = createDb(dbUrl.toString(), 2);
    await migrateLatest(db);
    const [user] = await db('users').insert({ telegram_id: Date.now(), first_name: 'Bench' }).returning(['id']);
    await db.destroy();

    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}`);
    console.log(`images: ${n} generated JPEGs, ${args.width}×${args.height}`);
    const images = await photos(n, Number(args.width), Number(args.height));
    console.log(`average size ${(images.reduce((a, b) => a + b.length, 0) / n / 1024).toFixed(0)} KiB`);

    await bareSharp(images.slice(0, 2)); // warm-up
    const bareMs = await bareSharp(images);
    console.log(`ceiling, bare sharp (decode + rotate + one 1280 px WebP): ${rate(n, bareMs)}`);
    const variantsMs = await variantsOnly(images);
    console.log(`sharp work of the pipeline (decode once + 3 WebP variants): ${rate(n, variantsMs)}`);
    const pipelineMs: Record<string, number> = {};

    for (const nsfw of [false, true]) {
      const config = loadConfig({ DATABASE_URL: dbUrl.toString(), REDIS_URL: args['redis-url'], REDIS_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NSFW_ENABLED: String(nsfw) });
      const platform = createPlatform(config, 'bench');
      platforms.push(platform);
      const ms = await throughPipeline(platform, images, user.id);
      pipelineMs[nsfw ? 'on' : 'off'] = ms;
      console.log(`pipeline, one worker, NSFW ${nsfw ? 'on ' : 'off'}: ${rate(n, ms)}`);
    }

    const clipSetup: ClipSetup = { clips: Number(args.clips), width: 1920, height: 1080, seconds: 10 };
    const clips = await measureClips(platforms[platforms.length - 1], user.id, clipSetup);
    console.log(`clips, one worker, NSFW on (${clipSetup.clips} × ${clipSetup.seconds} s ${clipSetup.width}×${clipSetup.height}): ${clips.clips_per_s} clips/s; one clip approved in ${clips.clip_approval_ms} ms (median); outcomes ${clips.statuses.join(', ')}`);

    const nsfwMs: Record<string, number | null> = {};
    const run = promisify(execFile);
    const self = fileURLToPath(import.meta.url);
    for (const backend of ['tensorflow', 'wasm', 'cpu'] as const) {
      const runs = backend === 'cpu' ? Math.max(3, Math.floor(Number(args['nsfw-runs']) / 5)) : Number(args['nsfw-runs']);
      try {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--nsfw-child', backend, '--nsfw-runs', String(runs)], { timeout: 300_000 });
        const r = JSON.parse(stdout.trim().split('\n').pop()!);
        console.log(`NSFW ${backend}: ${r.msPerImage.toFixed(1)} ms/image (model load ${r.loadMs} ms, ${runs} runs)`);
        nsfwMs[backend] = round(r.msPerImage, 1);
      } catch (err) {
        nsfwMs[backend] = null;
        console.log(`NSFW ${backend}: unavailable (${String((err as Error).message).split('\n').find((l) => /Error|Cannot/.test(l)) ?? 'failed to load'})`);
      }
    }
    // The worker's backend: the first of its order that loads.
    const used = (['tensorflow', 'wasm', 'cpu'] as const).find((b) => nsfwMs[b] != null);
    const file = writeResults('moderation', benchRun, {
      nsfw_ms_per_image: used ? nsfwMs[used] : null,
      nsfw_backend: used ?? null,
      pipeline_vs_sharp: round(bareMs / pipelineMs.on, 2),
      nsfw_ms_per_image_by_backend: nsfwMs,
      images_per_s: { bare_sharp: perS(n, bareMs), pipeline_sharp_work: perS(n, variantsMs), pipeline_nsfw_off: perS(n, pipelineMs.off), pipeline_nsfw_on: perS(n, pipelineMs.on) },
      clips_per_s: clips.clips_per_s,
      clip_approval_ms: clips.clip_approval_ms,
      // A whole run measures the clips too: no separate provenance for them (a clips-only merge writes one).
      clips_run: undefined,
      setup: { clips: clipSetup, images: n, width: Number(args.width), height: Number(args.height), nsfw_runs: Number(args['nsfw-runs']), cores: os.cpus().length },
    });
    console.log(`→ ${file}`);
  } finally {
    for (const p of platforms) await p.close();
    const { Redis } = await import('ioredis');
    const redis = new Redis(args['redis-url']!);
    await deleteByPrefix(redis, prefix);
    await redis.quit();
    await admin.raw(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.destroy();
    await fsp.rm(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
