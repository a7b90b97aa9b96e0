// npm run bench: every benchmark, one after another, at sizes that take a few
// minutes each, each writing bench/results/<name>.json; then the README's
// table is rendered from the files (bench/table.ts).
//   npm run bench                        all of them
//   npm run bench -- realtime candidates only these
//   npm run bench -- --large             also candidates at 1,000,000 profiles (at_1m) and the cluster with 10,000 sockets
// Bigger sizes of one benchmark: run its script with its flags (see the head of each file).
// Figures depend on what else the machine runs: each file records the load average.
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib/results.js';

const BENCHES: Record<string, string[][]> = {
  outbox: [[]],
  auth: [[]],
  gateway: [[]],
  notifications: [[]],
  candidates: [[]],
  moderation: [[]],
  // Both cluster adapters: docs/CAPACITY.md compares them.
  realtime: [[], ['--adapter', 'pubsub']],
  cluster: [[]],
  'cluster-reload': [[]],
};
const LARGE: Record<string, string[][]> = {
  candidates: [['--profiles', '1000000', '--callers', '300', '--reference-callers', '20']],
  cluster: [['--sockets', '10000', '--profiles', '40000']],
};

const argv = process.argv.slice(2);
const large = argv.includes('--large');
const names = argv.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})\n`);
  process.exit(64);
}
const failed: string[] = [];
for (const name of names.length ? names : Object.keys(BENCHES)) {
  for (const flags of [...BENCHES[name], ...(large ? (LARGE[name] ?? []) : [])]) {
    const label = [name, ...flags].join(' ');
    process.stdout.write(`\n=== ${label}\n`);
    const t = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...flags], { cwd: ROOT, stdio: 'inherit' });
    process.stdout.write(`=== ${label}: ${r.status === 0 ? 'done' : `FAILED (${r.status ?? r.signal})`} in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    if (r.status !== 0) failed.push(label);
  }
}
spawnSync(process.execPath, ['--import', 'tsx', 'bench/table.ts'], { cwd: ROOT, stdio: 'inherit' });
if (failed.length) {
  process.stderr.write(`failed: ${failed.join('; ')}\n`);
  process.exit(1);
}
