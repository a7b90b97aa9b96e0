// Video clips and voice notes at upload: the container is decided by the
// bytes (file-type), then ffmpeg reads the header in a child process with a
// time and memory limit (shared/ffmpeg.ts) for the streams, the duration and
// the size. Nothing is decoded here: the moderation worker transcodes.
import { AppError } from '../../shared/errors.js';
import { probe, type FfmpegLimits, type Probe } from '../../shared/ffmpeg.js';

export type MediaKind = 'image' | 'video' | 'voice';

/** Containers a clip may come in, by sniffed type, and the extension its original is stored with. */
export const VIDEO_CONTAINERS: Record<string, string> = { 'video/mp4': 'mp4', 'video/quicktime': 'mov', 'video/webm': 'webm' };
/**
 * Containers of voice notes. MediaRecorder's WebM and MP4 audio sniff as
 * video/* (the container cannot tell), so the upload says `kind=voice`.
 */
export const VOICE_CONTAINERS: Record<string, string> = {
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/x-m4a': 'm4a',
  'audio/mp4': 'm4a',
  'video/webm': 'webm',
  'video/mp4': 'm4a',
};
const VIDEO_CODECS = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1']);
const VOICE_CODECS = new Set(['opus', 'aac']);
/** 4K UHD: the long side at most 3840 px, the short side at most 2160. */
const MAX_LONG_SIDE = 3840;
const MAX_SHORT_SIDE = 2160;

export interface InspectedAv {
  kind: 'video' | 'voice';
  mime: string;
  ext: string;
  width: number | null;
  height: number | null;
  duration: number;
}

export interface AvLimits extends FfmpegLimits {
  maxVideoSeconds: number;
  maxVoiceSeconds: number;
  binary?: string;
}

function invalidVideo(message: string, details?: Record<string, unknown>) {
  return new AppError(400, 'invalid_video', message, details);
}

function invalidAudio(message: string, details?: Record<string, unknown>) {
  return new AppError(400, 'invalid_audio', message, details);
}

/** The container's MIME type without parameters (`audio/ogg; codecs=opus` → `audio/ogg`). */
export function bareMime(mime: string): string {
  return mime.split(';')[0].trim();
}

export async function inspectClip(filePath: string, mime: string, limits: AvLimits): Promise<InspectedAv> {
  const info = await probe(filePath, limits);
  if (!info) throw invalidVideo('The video cannot be read: it is corrupt or truncated', { reason: 'unreadable' });
  const video = info.streams.find((s) => s.type === 'video');
  if (!video) throw invalidVideo('The file has no video track', { reason: 'no_video_track' });
  if (!VIDEO_CODECS.has(video.codec)) {
    throw new AppError(415, 'unsupported_media_type', 'Only H.264, HEVC, VP8, VP9 and AV1 video is accepted', { detected: `${mime}; codec=${video.codec}` });
  }
  if (!info.width || !info.height) throw invalidVideo('The video has no dimensions', { reason: 'unreadable' });
  const duration = checkedDuration(info, limits.maxVideoSeconds, invalidVideo, 'video');
  const long = Math.max(info.width, info.height);
  const short = Math.min(info.width, info.height);
  if (long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE) {
    throw invalidVideo(`The video is ${info.width}×${info.height}; at most 4K (3840×2160) is accepted`, { reason: 'too_large', width: info.width, height: info.height });
  }
  return { kind: 'video', mime: bareMime(mime), ext: VIDEO_CONTAINERS[bareMime(mime)], width: info.width, height: info.height, duration };
}

export async function inspectVoice(filePath: string, mime: string, limits: AvLimits): Promise<InspectedAv> {
  const info = await probe(filePath, limits);
  if (!info) throw invalidAudio('The voice note cannot be read: it is corrupt or truncated', { reason: 'unreadable' });
  if (info.streams.some((s) => s.type === 'video')) throw invalidAudio('A voice note has sound only; send a clip as a video', { reason: 'has_video' });
  const audio = info.streams.find((s) => s.type === 'audio');
  if (!audio) throw invalidAudio('The file has no audio track', { reason: 'no_audio_track' });
  if (!VOICE_CODECS.has(audio.codec)) {
    throw new AppError(415, 'unsupported_media_type', 'Voice notes are accepted as Opus (Ogg, WebM) or AAC (M4A)', { detected: `${mime}; codec=${audio.codec}` });
  }
  const duration = checkedDuration(info, limits.maxVoiceSeconds, invalidAudio, 'voice note');
  return { kind: 'voice', mime: bareMime(mime), ext: VOICE_CONTAINERS[bareMime(mime)], width: null, height: null, duration };
}

function checkedDuration(info: Probe, maxS: number, refuse: typeof invalidVideo, what: string): number {
  // MediaRecorder's WebM has no duration in its header; such a file is
  // measured by the worker, which refuses it there if it runs long.
  const duration = info.duration ?? 0;
  // Containers round; a clip of exactly the limit may say a few ms more.
  if (duration > maxS + 0.05) {
    throw refuse(`The ${what} lasts ${duration.toFixed(1)} s; at most ${maxS} s is accepted`, { reason: 'too_long', duration_s: Math.round(duration * 100) / 100, max_seconds: maxS });
  }
  return duration;
}
