// ffmpeg as a child process, for the media service (probing uploads) and the
// moderation worker (transcoding). The binary comes with `npm ci`
// (@ffmpeg-installer/ffmpeg ships it per platform), FFMPEG_PATH overrides it,
// and a system `ffmpeg` on the PATH is the fallback; nothing is downloaded at
// run time. Every run has a wall-clock limit (SIGKILL) and an address-space
// limit (`ulimit -v` in the shell that execs it), so a hostile or huge file
// costs a bounded amount and never wedges the caller.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';

export interface FfmpegLimits {
  timeoutMs: number;
  maxMemoryMb: number;
}

export interface FfmpegResult {
  code: number | null;
  /** Killed for the time limit (or by a signal such as the memory limit's SIGSEGV/abort). */
  killed: boolean;
  timedOut: boolean;
  stdout: Buffer;
  stderr: string;
}

let resolved: string | undefined;

/** The ffmpeg to run: FFMPEG_PATH, else the packaged binary, else `ffmpeg` on the PATH. */
export function ffmpegPath(override?: string): string {
  if (override) return override;
  return (resolved ??= packagedOrSystem(() => createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }));
}

/** The binary the installer package names when it is there and executable (`npm ci` brings it), else the system's `ffmpeg`. */
export function packagedOrSystem(installer: () => { path: string }): string {
  try {
    const { path } = installer();
    fs.accessSync(path, fs.constants.X_OK);
    return path;
  } catch {
    return 'ffmpeg';
  }
}

const STDERR_MAX = 64 * 1024;

/**
 * Runs ffmpeg with `args` under the limits; resolves with its exit (never
 * rejects for a non-zero exit: callers decide). stdout is collected up to
 * `maxStdoutBytes` (frames piped out), stderr's last 64 KiB.
 */
export function runFfmpeg(args: string[], limits: FfmpegLimits & { binary?: string; maxStdoutBytes?: number }): Promise<FfmpegResult> {
  const bin = ffmpegPath(limits.binary);
  const kib = Math.floor(limits.maxMemoryMb * 1024);
  return new Promise((resolve, reject) => {
    // `exec` replaces the shell, so the limit and the pid are ffmpeg's own.
    const child = spawn('/bin/sh', ['-c', `ulimit -v ${kib} && exec "$0" "$@"`, bin, '-nostdin', '-hide_banner', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limits.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > (limits.maxStdoutBytes ?? 0)) return child.kill('SIGKILL');
      out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-STDERR_MAX);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, killed: signal !== null, timedOut, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

export interface ProbedStream {
  type: 'video' | 'audio';
  codec: string;
  width?: number;
  height?: number;
}

export interface Probe {
  /** Seconds; null when the container does not say. */
  duration: number | null;
  streams: ProbedStream[];
  /** The first video stream's size as displayed (rotation applied). */
  width: number | null;
  height: number | null;
}

/**
 * What ffmpeg reads of a file's header (`ffmpeg -i`, no output): its
 * duration and streams. null when ffmpeg cannot open it as media at all
 * (not media, or truncated before its index, e.g. an MP4 without its moov).
 */
export async function probe(filePath: string, limits: FfmpegLimits & { binary?: string }): Promise<Probe | null> {
  const res = await runFfmpeg(['-i', filePath], limits);
  if (res.timedOut) return null;
  return parseProbe(res.stderr);
}

// ffmpeg's input dump: stable for many years across versions.
const DURATION_RE = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/m;
const STREAM_RE = /^\s*Stream #\d+:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio): ([\w-]+)(.*)$/;
const SIZE_RE = /, (\d{1,5})x(\d{1,5})(?:[ ,]|$)/;
const ROTATE_RE = /^\s*(?:rotate\s*: (-?\d+)|displaymatrix: rotation of (-?[\d.]+) degrees)/;

export function parseProbe(stderr: string): Probe | null {
  if (!/^Input #0/m.test(stderr)) return null;
  const d = DURATION_RE.exec(stderr);
  const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null;
  const streams: ProbedStream[] = [];
  let rotation = 0;
  let inFirstVideo = false;
  for (const line of stderr.split('\n')) {
    const s = STREAM_RE.exec(line);
    if (s) {
      const type = s[1] === 'Video' ? 'video' : 'audio';
      inFirstVideo = type === 'video' && !streams.some((x) => x.type === 'video');
      const stream: ProbedStream = { type, codec: s[2] };
      const size = type === 'video' ? SIZE_RE.exec(s[3]) : null;
      if (size) Object.assign(stream, { width: Number(size[1]), height: Number(size[2]) });
      streams.push(stream);
      continue;
    }
    const r = inFirstVideo ? ROTATE_RE.exec(line) : null;
    if (r) rotation = Math.abs(Math.round(Number(r[1] ?? r[2]))) % 180;
  }
  const video = streams.find((s) => s.type === 'video' && s.width && s.height);
  const turned = rotation === 90;
  return {
    duration,
    streams,
    width: video ? (turned ? video.height! : video.width!) : null,
    height: video ? (turned ? video.width! : video.height!) : null,
  };
}
