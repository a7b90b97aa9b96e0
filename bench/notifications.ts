// Throughput of the offline-notifications worker on this machine:
//   1. events recorded per second (messages.created of one message each, for offline users → pending items),
//   2. bot messages flushed per second to a local recording Bot API.
//   npx tsx bench/notifications.ts [--users 500] [--events 5000] [--concurrency 20]
// Runs on a throwaway database and Redis prefix, removed afterwards.
// Writes bench/results/notifications.json.
import { parseArgs } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { loadConfig } from '../shared/config.js';
import { createDb, migrateLatest } from '../shared/db.js';
import { createPlatform } from '../shared/platform.js';
import { deleteByPrefix } from '../shared/redis.js';
import { startNotificationsWorker } from '../workers/notifications/index.js';
import { FakeBotApi } from '../test/notifications/fake-bot-api.js';
import { startRun, writeResults } from './lib/results.js';

const run = startRun('bench/notifications.ts');

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '500' },
    events: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '20' },
    'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const userCount = Number(args.users);
const eventCount = Number(args.events);

const name = `bench_notif_${randomBytes(4).toString('hex')}`;
const prefix = `${name}:`;
const adminDb = knexFactory({ client: 'pg', connection: args['pg-admin-url'], pool: { min: 0, max: 1 } });
await adminDb.raw(`CREATE DATABASE "${name}"`);
const dbUrl = new URL(args['pg-admin-url']!);
dbUrl.pathname = `/${name}`;
const setupDb = createDb(dbUrl.toString(), 2);
await migrateLatest(setupDb);
await setupDb.destroy();

const bot = await new FakeBotApi().start();
const platform = createPlatform(
  loadConfig({ DATABASE_URL: dbUrl.toString(), REDIS_URL: args['redis-url'], REDIS_PREFIX: prefix, TELEGRAM_API_URL: bot.url, LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '30' }),
  'bench',
);
const { db } = platform;

async function until(cond: () => Promise<boolean>) {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

try {
  const rows = Array.from({ length: userCount }, (_, i) => ({ telegram_id: 9_000_000_000 + i + Math.floor(Math.random() * 1e9) * 10_000, first_name: 'Bench' }));
  const users: string[] = (await db('users').insert(rows).returning('id')).map((r: { id: string }) => r.id);
  // A long gather: phase 1 only records, phase 2 sends.
  const worker = startNotificationsWorker(platform, { gatherMs: 3_600_000, intervalS: 1, flush: { tickMs: 20, concurrency: Number(args.concurrency) } });
  await worker.ready;

  const t0 = performance.now();
  const conversation = randomUUID();
  for (let i = 0; i < eventCount; i++) {
    const sender = users[i % users.length];
    const recipient = users[(i * 7 + 1) % users.length];
    await platform.bus.publish('messages.created', {
      messages: [{ message_id: randomUUID(), conversation_id: conversation, seq: i + 1, sender_id: sender, recipient_ids: [recipient], created_at: new Date().toISOString() }],
    });
  }
  const published = performance.now();
  await until(async () => Number((await db('notification_pending').count('* as n'))[0].n) >= eventCount);
  const recorded = performance.now();
  const recipients = Number((await db('notification_state').count('* as n'))[0].n);

  await db('notification_state').update({ due_at: new Date(Date.now() - 1000) });
  const t1 = performance.now();
  await until(async () => bot.calls.length >= recipients);
  const flushed = performance.now();
  await worker.stop();

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`users ${userCount}, events ${eventCount}, recipients ${recipients}`);
  console.log(`publish ${s(published - t0)} s; all recorded after ${s(recorded - t0)} s → ${Math.round(eventCount / ((recorded - t0) / 1000))} events/s recorded`);
  console.log(`flush of ${recipients} batched messages: ${s(flushed - t1)} s → ${Math.round(recipients / ((flushed - t1) / 1000))} bot messages/s (concurrency ${args.concurrency})`);
  const file = writeResults('notifications', run, {
    events_recorded_per_s: Math.round(eventCount / ((recorded - t0) / 1000)),
    bot_messages_per_s: Math.round(recipients / ((flushed - t1) / 1000)),
    setup: { users: userCount, events: eventCount, recipients, concurrency: Number(args.concurrency) },
  });
  console.log(`→ ${file}`);
} finally {
  await platform.close();
  await bot.close();
  await adminDb.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminDb.destroy();
  const { Redis } = await import('ioredis');
  const redis = new Redis(args['redis-url']!);
  await deleteByPrefix(redis, prefix);
  await redis.quit();
}
