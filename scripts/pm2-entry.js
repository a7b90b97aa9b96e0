// PM2's launcher for a composition root: `node [--import tsx] scripts/pm2-entry.js <main>`.
// It runs the process's main module, whose top-level await finishes once the
// process listens (runService) or consumes (runWorker), and then tells PM2 it
// is ready (`wait_ready`). PM2 therefore starts, restarts and reloads one
// process at a time and each only after its successor is ready — also in fork
// mode (realtime, workers), where PM2 has no 'listening' event to wait for.
// Plain JavaScript on purpose: PM2 applies its own TypeScript handling to .ts scripts.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node scripts/pm2-entry.js <path of a main module>\n');
  process.exit(64);
}
await import(pathToFileURL(path.resolve(entry)).href);
process.send?.('ready');
