// Bundles the Mini App into web/dist: content-hashed assets (JS and CSS, with
// brotli and gzip copies for the gateway to serve), then index.html pointing
// at them. index.html is replaced atomically and only after its assets
// exist, so a server reading the folder never serves a broken page.
// `npm run build:web` (also part of `npm run build`) prints the sizes.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const webDir = path.dirname(fileURLToPath(import.meta.url));
export const defaultOutDir = path.join(webDir, 'dist');

export interface BuiltFile {
  file: string;
  bytes: number;
  gzip: number;
  brotli: number;
}

export interface WebBuild {
  outDir: string;
  files: BuiltFile[];
  /** JS + CSS, as loaded by the first screen. */
  totalBytes: number;
  totalGzip: number;
  totalBrotli: number;
}

export async function buildWeb(outDir = defaultOutDir): Promise<WebBuild> {
  const assetsDir = path.join(outDir, 'assets');
  await fs.mkdir(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(webDir, 'src/main.ts'), styles: path.join(webDir, 'src/styles.css') },
    tsconfig: path.join(webDir, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Telegram's WebViews: recent Chrome (Android), Safari (iOS/macOS), desktop Qt WebEngine.
    target: ['es2022', 'chrome100', 'safari15.4', 'firefox100'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir: assetsDir,
    metafile: true,
    write: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => path.resolve(p));
  const js = outputs.find((p) => /app-[^/]+\.js$/.test(p));
  const css = outputs.find((p) => /styles-[^/]+\.css$/.test(p));
  if (!js || !css) throw new Error('esbuild did not produce the app bundle and stylesheet');

  const files: BuiltFile[] = [];
  for (const p of [js, css]) {
    const data = await fs.readFile(p);
    const gz = zlib.gzipSync(data, { level: 9 });
    const br = zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
    await fs.writeFile(`${p}.gz`, gz);
    await fs.writeFile(`${p}.br`, br);
    files.push({ file: path.relative(outDir, p), bytes: data.length, gzip: gz.length, brotli: br.length });
  }

  const template = await fs.readFile(path.join(webDir, 'index.html'), 'utf8');
  const html = template.replace('%CSS%', `/assets/${path.basename(css)}`).replace('%JS%', `/assets/${path.basename(js)}`);
  const tmp = path.join(outDir, `.index.html.${process.pid}.tmp`);
  await fs.writeFile(tmp, html);
  await fs.rename(tmp, path.join(outDir, 'index.html'));

  // Drop the assets of earlier builds.
  const keep = new Set(outputs.flatMap((p) => [path.basename(p), `${path.basename(p)}.gz`, `${path.basename(p)}.br`]));
  for (const name of await fs.readdir(assetsDir)) {
    if (!keep.has(name)) await fs.rm(path.join(assetsDir, name), { force: true });
  }

  const sum = (k: 'bytes' | 'gzip' | 'brotli') => files.reduce((n, f) => n + f[k], 0);
  return { outDir, files, totalBytes: sum('bytes'), totalGzip: sum('gzip'), totalBrotli: sum('brotli') };
}

export function formatBuild(b: WebBuild): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = b.files.map((f) => `  ${f.file.padEnd(34)} ${kb(f.bytes).padStart(10)} ${kb(f.gzip).padStart(10)} gzip ${kb(f.brotli).padStart(10)} brotli`);
  return [
    `web bundle → ${path.relative(process.cwd(), b.outDir) || '.'}`,
    ...rows,
    `  ${'total'.padEnd(34)} ${kb(b.totalBytes).padStart(10)} ${kb(b.totalGzip).padStart(10)} gzip ${kb(b.totalBrotli).padStart(10)} brotli`,
  ].join('\n');
}

// No top-level await: test runners may load this module through require().
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  buildWeb().then(
    (b) => process.stdout.write(`${formatBuild(b)}\n  built in ${Date.now() - started} ms\n`),
    (err: unknown) => {
      process.stderr.write(`web build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
