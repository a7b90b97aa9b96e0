// The audio-visual half of moderation: video clips and voice notes, made by
// ffmpeg in child processes with a time and memory limit (shared/ffmpeg.ts).
//
// A clip becomes two H.264 MP4s (short side 720 and 480, never upscaled,
// `faststart` so playback starts before the whole file is in, AAC stereo or
// no audio, metadata dropped, bit-exact so a redone job writes the same
// bytes), a WebP poster from its middle frame, and frames spread over the clip
// for the NSFW model (the highest score decides). A voice note becomes mono
// Opus in WebM with a waveform of WAVEFORM_PEAKS peaks.
//
// Every output lands on a key named by the original's hash and the rendition
// (shared/storage/keys.ts avKey), so a worker killed mid-transcode leaves at
// most files the next run overwrites: never a second copy.
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { probe, runFfmpeg, type FfmpegLimits } from '../../shared/ffmpeg.js';
import type { StoredAvFile, StoredAvFiles } from '../../shared/media-urls.js';
import { avKey, type AvFile, type Storage } from '../../shared/storage/index.js';
import { NSFW_INPUT_SIZE, type RgbImage } from './nsfw.js';

/** Frames of a clip the NSFW model looks at. */
export const CLIP_FRAMES = 5;
export const WAVEFORM_PEAKS = 64;
const SHORT_SIDES = { v720: 720, v480: 480 } as const;
const WEBP = { quality: 82, effort: 2 } as const;
const BITEXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact'];
const NO_METADATA = ['-map_metadata', '-1', '-map_chapters', '-1'];
// Reading a header needs little: probes get their own small limits, so the
// transcode's limits (MEDIA_TRANSCODE_*) are what a clip can exceed.
const PROBE_LIMITS = { timeoutMs: 10_000, maxMemoryMb: 512 };

/** A clip or voice note that cannot be made: rejected with this reason. */
export class AvRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export interface AvOptions {
  limits: FfmpegLimits & { binary?: string };
  maxSeconds: number;
  keepAudio?: boolean;
  classify?: boolean;
}

export interface ProcessedClip {
  width: number;
  height: number;
  duration: number;
  files: StoredAvFiles;
  /** NSFW_INPUT_SIZE² RGB frames spread over the clip (when asked). */
  frames: RgbImage[];
}

export interface ProcessedVoice {
  duration: number;
  files: StoredAvFiles;
  waveform: number[];
}

async function inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moderation-av-'));
  try {
    return await work(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function probeLimits(opts: AvOptions) {
  return { ...PROBE_LIMITS, binary: opts.limits.binary };
}

async function ffmpeg(args: string[], opts: AvOptions, maxStdoutBytes = 0) {
  const res = await runFfmpeg(args, { ...opts.limits, maxStdoutBytes });
  if (res.timedOut) throw new AvRefused('transcode_timeout', `ffmpeg ran past ${opts.limits.timeoutMs} ms`);
  if (res.code !== 0) throw new AvRefused('transcode_failed', `ffmpeg failed (${res.code ?? 'signal'}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return res;
}

/** Scales so the short side is at most `side` (never up), both sides even. */
function scaleTo(side: number): string {
  return `scale=w='if(gte(iw,ih),-2,trunc(min(${side},iw)/2)*2)':h='if(gte(iw,ih),trunc(min(${side},ih)/2)*2,-2)',setsar=1`;
}

async function store(storage: Storage, sha256: string, name: AvFile, file: string, type: string, dims?: { width: number; height: number }): Promise<StoredAvFile> {
  const data = await fsp.readFile(file);
  const key = avKey(sha256, name);
  await storage.put(key, data, type);
  return { key, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...dims };
}

export async function processClip(input: Buffer, originalSha256: string, storage: Storage, opts: AvOptions): Promise<ProcessedClip> {
  return inWorkDir(async (dir) => {
    const src = path.join(dir, 'source');
    await fsp.writeFile(src, input);
    const info = await probe(src, probeLimits(opts));
    if (!info) throw new AvRefused('undecodable', 'ffmpeg cannot read the clip');
    if (!info.streams.some((s) => s.type === 'video')) throw new AvRefused('no_video_track', 'the clip has no video track');
    if (info.duration !== null && info.duration > opts.maxSeconds + 0.05) throw new AvRefused('too_long', `the clip lasts ${info.duration} s`);

    const out = { v720: path.join(dir, '720.mp4'), v480: path.join(dir, '480.mp4') };
    const audio = opts.keepAudio === false ? ['-an'] : ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '128k', '-ac', '2'];
    const video = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-profile:v', 'high', '-movflags', '+faststart'];
    const rendition = (label: keyof typeof out) => ['-map', `[${label}]`, ...audio, ...video, ...NO_METADATA, ...BITEXACT, '-t', String(opts.maxSeconds + 1), '-y', out[label]];
    // One decode, split into both sizes.
    await ffmpeg(
      [
        '-threads', '2',
        '-i', src,
        '-filter_complex', `[0:v:0]split=2[a][b];[a]${scaleTo(SHORT_SIDES.v720)}[v720];[b]${scaleTo(SHORT_SIDES.v480)}[v480]`,
        ...rendition('v720'),
        ...rendition('v480'),
      ],
      opts,
    );
    // A header without a duration (MediaRecorder's WebM) is measured here.
    const made = await probe(out.v720, probeLimits(opts));
    const duration = made?.duration ?? info.duration ?? 0;
    if (duration > opts.maxSeconds + 0.05) throw new AvRefused('too_long', `the clip lasts ${duration} s`);
    const small = await probe(out.v480, probeLimits(opts));
    if (!made?.width || !made.height || !small?.width || !small.height) throw new AvRefused('transcode_failed', 'the transcoded clip has no video');

    // Frames spread over the clip (the middle one is the poster), from the 720 rendition: already upright.
    const times = Array.from({ length: CLIP_FRAMES }, (_, i) => (duration * (i + 0.5)) / CLIP_FRAMES);
    const pngs: Buffer[] = [];
    for (const t of times) {
      const res = await ffmpeg(['-ss', t.toFixed(3), '-i', out.v720, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], opts, 16 * 1024 * 1024);
      if (res.stdout.length) pngs.push(res.stdout);
    }
    if (!pngs.length) throw new AvRefused('transcode_failed', 'no frame could be read from the clip');
    const posterFile = path.join(dir, 'poster.webp');
    const posterInfo = await sharp(pngs[Math.floor(pngs.length / 2)]).webp(WEBP).toFile(posterFile);

    const files: StoredAvFiles = {
      v720: await store(storage, originalSha256, '720.mp4', out.v720, 'video/mp4', { width: made.width, height: made.height }),
      v480: await store(storage, originalSha256, '480.mp4', out.v480, 'video/mp4', { width: small.width, height: small.height }),
      poster: await store(storage, originalSha256, 'poster.webp', posterFile, 'image/webp', { width: posterInfo.width, height: posterInfo.height }),
    };
    const frames = opts.classify ? await Promise.all(pngs.map(classifierInput)) : [];
    return { width: info.width ?? made.width, height: info.height ?? made.height, duration: round2(duration), files, frames };
  });
}

async function classifierInput(png: Buffer): Promise<RgbImage> {
  const rgb = await sharp(png).flatten({ background: '#ffffff' }).resize(NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), width: rgb.info.width, height: rgb.info.height };
}

// The waveform is read from 8 kHz mono samples: plenty for 64 peaks.
const WAVE_RATE = 8000;

export async function processVoice(input: Buffer, originalSha256: string, storage: Storage, opts: AvOptions): Promise<ProcessedVoice> {
  return inWorkDir(async (dir) => {
    const src = path.join(dir, 'source');
    await fsp.writeFile(src, input);
    const info = await probe(src, probeLimits(opts));
    if (!info || !info.streams.some((s) => s.type === 'audio')) throw new AvRefused('undecodable', 'ffmpeg cannot read the voice note');
    if (info.duration !== null && info.duration > opts.maxSeconds + 0.05) throw new AvRefused('too_long', `the voice note lasts ${info.duration} s`);
    const outFile = path.join(dir, 'voice.webm');
    const limit = String(opts.maxSeconds + 1);
    await ffmpeg(['-i', src, '-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-ar', '48000', ...NO_METADATA, ...BITEXACT, '-t', limit, '-f', 'webm', '-y', outFile], opts);
    const pcm = await ffmpeg(['-i', outFile, '-ac', '1', '-ar', String(WAVE_RATE), '-f', 's16le', 'pipe:1'], opts, (opts.maxSeconds + 2) * WAVE_RATE * 2);
    const samples = pcm.stdout.length >> 1;
    const duration = samples / WAVE_RATE;
    if (duration > opts.maxSeconds + 0.05) throw new AvRefused('too_long', `the voice note lasts ${duration} s`);
    if (!samples) throw new AvRefused('undecodable', 'the voice note has no sound');
    const files: StoredAvFiles = { voice: await store(storage, originalSha256, 'voice.webm', outFile, 'audio/webm') };
    return { duration: round2(duration), files, waveform: waveform(pcm.stdout, WAVEFORM_PEAKS) };
  });
}

/** `peaks` loudest absolute samples of equal slices, scaled so the loudest is 1 (two decimals). */
export function waveform(pcm: Buffer, peaks: number): number[] {
  const n = pcm.length >> 1;
  const out: number[] = [];
  for (let i = 0; i < peaks; i++) {
    const from = Math.floor((i * n) / peaks);
    const to = Math.max(from + 1, Math.floor(((i + 1) * n) / peaks));
    let max = 0;
    for (let j = from; j < Math.min(to, n); j++) max = Math.max(max, Math.abs(pcm.readInt16LE(j * 2)));
    out.push(max);
  }
  const top = Math.max(1, ...out);
  return out.map((p) => Math.round((p / top) * 100) / 100);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
