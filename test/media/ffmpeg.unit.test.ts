import { expect } from 'chai';
import { createRequire } from 'node:module';
import { ffmpegPath, packagedOrSystem, parseProbe, runFfmpeg } from '../../shared/ffmpeg.js';
import { parseRange } from '../../api/media/ranges.js';
import { waveform } from '../../workers/moderation/video.js';

describe('ffmpeg child process', function () {
  this.timeout(30_000);

  it('is killed at its time limit and says so', async () => {
    const started = Date.now();
    // An endless test source: only the limit ends it.
    const res = await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240', '-f', 'null', '-'], { timeoutMs: 700, maxMemoryMb: 1024 });
    expect(res).to.include({ timedOut: true, killed: true });
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('fails under an address-space limit too small for it, without hurting the caller', async () => {
    const res = await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240', '-t', '1', '-f', 'null', '-'], { timeoutMs: 10_000, maxMemoryMb: 64 });
    expect(res.code === 0 && !res.killed).to.equal(false);
  });
});

describe('which ffmpeg runs', () => {
  it('the binary @ffmpeg-installer/ffmpeg brings with npm ci, FFMPEG_PATH over it, the system ffmpeg when the package has none', async () => {
    const packaged = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    expect(packaged).to.include('node_modules');
    expect(ffmpegPath()).to.equal(packaged);
    expect(ffmpegPath('/opt/ffmpeg/bin/ffmpeg')).to.equal('/opt/ffmpeg/bin/ffmpeg');
    const res = await runFfmpeg(['-version'], { timeoutMs: 10_000, maxMemoryMb: 1024, maxStdoutBytes: 64 * 1024 });
    expect(res.code).to.equal(0);
    expect(res.stdout.toString()).to.match(/^ffmpeg version/);
    // No package for this platform, or a path that is not an executable: the one on the PATH.
    expect(packagedOrSystem(() => { throw new Error("Cannot find module '@ffmpeg-installer/linux-arm'"); })).to.equal('ffmpeg');
    expect(packagedOrSystem(() => ({ path: '/nonexistent/ffmpeg' }))).to.equal('ffmpeg');
    expect(packagedOrSystem(() => ({ path: packaged }))).to.equal(packaged);
  });
});

describe('probe parsing', () => {
  it('reads duration, streams and the displayed size of a rotated phone clip', () => {
    const dump = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mov':
  Metadata:
    creation_time   : 2026-01-01T00:00:00.000000Z
  Duration: 00:00:07.48, start: 0.000000, bitrate: 9000 kb/s
    Stream #0:0(und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709), 1920x1080, 8000 kb/s, 29.97 fps, 30 tbr, 600 tbn, 600 tbc (default)
    Metadata:
      rotate          : 90
      handler_name    : Core Media Video
    Side data:
      displaymatrix: rotation of -90.00 degrees
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 160 kb/s (default)
At least one output file must be specified`;
    expect(parseProbe(dump)).to.deep.equal({
      duration: 7.48,
      streams: [
        { type: 'video', codec: 'hevc', width: 1920, height: 1080 },
        { type: 'audio', codec: 'aac' },
      ],
      width: 1080,
      height: 1920,
    });
  });

  it('is null for what ffmpeg cannot open', () => {
    expect(parseProbe("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found\nx.mp4: Invalid data found when processing input")).to.equal(null);
  });
});

describe('range requests', () => {
  const etag = '"abc"';
  it('reads one range, an open range and a suffix; ignores what it cannot use; refuses a start past the end', () => {
    expect(parseRange('bytes=0-9', 100, '', etag)).to.deep.equal({ start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100, '', etag)).to.deep.equal({ start: 90, end: 99 });
    expect(parseRange('bytes=95-', 100, '', etag)).to.deep.equal({ start: 95, end: 99 });
    expect(parseRange('bytes=-10', 100, '', etag)).to.deep.equal({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100, '', etag)).to.deep.equal({ start: 0, end: 99 });
    expect(parseRange('', 100, '', etag)).to.equal(null);
    expect(parseRange('bytes=0-1,5-6', 100, '', etag)).to.equal(null);
    expect(parseRange('items=0-1', 100, '', etag)).to.equal(null);
    expect(parseRange('bytes=5-2', 100, '', etag)).to.equal(null);
    expect(parseRange('bytes=0-9', 100, '"other"', etag)).to.equal(null);
    expect(parseRange('bytes=100-', 100, '', etag)).to.equal('unsatisfiable');
    expect(parseRange('bytes=-0', 100, '', etag)).to.equal('unsatisfiable');
  });
});

describe('voice note waveform', () => {
  it('gives the loudest sample of each slice, scaled so the loudest is 1', () => {
    const pcm = Buffer.alloc(8 * 2);
    [0, 100, -200, 50, 400, -400, 10, 0].forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    expect(waveform(pcm, 4)).to.deep.equal([0.25, 0.5, 1, 0.03]);
    expect(waveform(Buffer.alloc(0), 3)).to.deep.equal([0, 0, 0]);
  });
});
