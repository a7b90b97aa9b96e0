// bench/results/<name>.json: one file per benchmark, the figures under fixed
// keys plus where and when they were measured (commit, date, nproc, load
// average, the command), so the README's table and docs/CAPACITY.md can be
// traced to a run. A run writes its own keys and keeps the others already in
// the file (a 100k candidates run keeps `at_1m`; a run under `at_1m` keeps the
// 100k figures), each part carrying the run that measured it; then the docs
// that show the files are rendered again (docs.ts).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDocs } from './docs.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export interface RunInfo {
  /** How to measure it again. */
  command: string;
  commit: string;
  date: string;
  nproc: number;
  /** 1, 5 and 15 minute load averages when the run started and when it wrote its figures. */
  loadavg_at_start: number[];
  loadavg: number[];
}

const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));

/** Call at the start of a benchmark: remembers the load average then and the command line. */
export function startRun(script: string) {
  const atStart = loadavg();
  const command = ['npx tsx', script, ...process.argv.slice(2)].join(' ');
  return {
    command,
    info(): RunInfo {
      let commit = 'unknown';
      try {
        commit = execSync('git rev-parse HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      } catch {
        /* not a git checkout: the date still says when */
      }
      return { command, commit, date: new Date().toISOString(), nproc: os.availableParallelism(), loadavg_at_start: atStart, loadavg: loadavg() };
    },
  };
}

export type Run = ReturnType<typeof startRun>;

export function readResults(name: string, dir = RESULTS_DIR): Record<string, any> | undefined {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Every results file, by name. */
export function readAllResults(dir = RESULTS_DIR): Record<string, Record<string, any>> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, Record<string, any>> = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) out[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  return out;
}

/**
 * Writes this run's figures into bench/results/<name>.json, keeping the keys of
 * earlier runs it does not measure. With `under`, the figures and the run go
 * into that key (e.g. `at_1m`) and the rest of the file stays as it was.
 */
export function writeResults(name: string, run: Run, figures: Record<string, unknown>, opts: { under?: string } = {}): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const before = readResults(name) ?? {};
  const measured = { ...run.info(), ...figures };
  const after = opts.under ? { bench: `bench/${name}.ts`, ...before, [opts.under]: measured } : { ...before, bench: `bench/${name}.ts`, ...measured };
  fs.writeFileSync(file, `${JSON.stringify(after, null, 2)}\n`);
  // The docs show what the files hold: render them again.
  try {
    renderDocs();
  } catch (err) {
    process.stderr.write(`docs not rendered (${(err as Error).message}): run npm run bench:table\n`);
  }
  return file;
}
