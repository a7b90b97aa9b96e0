// Outbox latency (issue 14 §1): what the outbox adds between a commit and the
// event on the bus. One process, a throwaway database, the relay woken by the
// commit (no poll: OUTBOX_POLL_MS is set to a minute so a poll never helps).
//   on the bus:   from the enqueuing transaction's commit resolving to the
//                 relay's publish resolving (XADD acknowledged, or the memory bus);
//   at consumer:  the same commit to a consumer's handler (what a socket's
//                 match:new waits for), the bus's own read latency included.
// Sequential commits with a short pause, then the same as concurrent bursts.
// Writes bench/results/outbox.json (commit, date, nproc, load average, figures).
//
//   npx tsx bench/outbox.ts [--events 1000] [--burst 20]
import { randomBytes, randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { loadConfig } from '../shared/config.js';
import { migrateLatest } from '../shared/db.js';
import { deleteByPrefix } from '../shared/redis.js';
import { createPlatform, type Platform } from '../shared/platform.js';
import { enqueue } from '../shared/outbox/enqueue.js';
import { STREAMS } from '../shared/events.js';
import { startRun, writeResults } from './lib/results.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const run = startRun('bench/outbox.ts');
const EVENTS = arg('events', 1000);
const BURST = arg('burst', 20);

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const dbName = `bench_outbox_${runId}`;
const dbUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
const prefix = `bench:${runId}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const summary = (xs: number[]) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p95_ms: +pct(xs, 95).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2), max_ms: +Math.max(...xs).toFixed(2) });

async function measure(p: Platform, pattern: 'sequential' | 'bursts') {
  const committedAt = new Map<string, number>();
  const onBus: number[] = [];
  const atConsumer: number[] = [];
  // The relay's publish, timed where it resolves.
  const publish = p.bus.publish.bind(p.bus);
  p.bus.publish = (async (type, payload, opts) => {
    const id = await publish(type, payload, opts);
    const t = committedAt.get((payload as { user_id: string }).user_id);
    if (t !== undefined) onBus.push(performance.now() - t);
    return id;
  }) as typeof p.bus.publish;
  const consumer = p.bus.consume({
    group: `bench-${randomUUID().slice(0, 8)}`,
    streams: [STREAMS.users],
    startFrom: '$',
    handler: async (e) => {
      const t = committedAt.get((e.payload as { user_id: string }).user_id);
      if (t !== undefined) atConsumer.push(performance.now() - t);
    },
  });
  await consumer.ready;
  const one = async () => {
    const id = randomUUID();
    await p.db.transaction((trx) => enqueue(trx, { type: 'profile.deleted', payload: { user_id: id } }));
    committedAt.set(id, performance.now());
  };
  if (pattern === 'sequential') {
    for (let i = 0; i < EVENTS; i++) {
      await one();
      await sleep(2);
    }
  } else {
    for (let i = 0; i < EVENTS / BURST; i++) {
      await Promise.all(Array.from({ length: BURST }, one));
      await sleep(10);
    }
  }
  const until = Date.now() + 30_000;
  while ((onBus.length < EVENTS || atConsumer.length < EVENTS) && Date.now() < until) await sleep(20);
  await consumer.stop();
  p.bus.publish = publish;
  return { on_bus: summary(onBus), at_consumer: summary(atConsumer) };
}

const admin = knexFactory({ client: 'pg', connection: PG_ADMIN, pool: { min: 0, max: 1 } });
await admin.raw(`CREATE DATABASE "${dbName}"`);
const figures: Record<string, unknown> = {};
try {
  for (const mode of [
    { name: 'redis', env: { REDIS_URL } },
    { name: 'memory', env: {} },
  ]) {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: dbUrl, REDIS_PREFIX: prefix, OUTBOX_POLL_MS: '60000', ...mode.env });
    const p = createPlatform(config, 'bench-outbox');
    await migrateLatest(p.db);
    p.relay.start();
    await sleep(200);
    figures[mode.name] = { sequential: await measure(p, 'sequential'), [`bursts_of_${BURST}`]: await measure(p, 'bursts') };
    await p.close();
    console.log(mode.name, JSON.stringify(figures[mode.name]));
  }
} finally {
  await admin.raw(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.destroy();
  const redis = new Redis(REDIS_URL);
  await deleteByPrefix(redis, prefix);
  await redis.quit();
}

const file = writeResults('outbox', run, {
  events: EVENTS,
  figures,
  note: 'on_bus: commit resolved → relay publish resolved; at_consumer: commit resolved → consumer handler (bus read latency included)',
});
console.log(`→ ${file}`);
process.exit(0);
