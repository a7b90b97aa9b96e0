// Realtime nodes for tests: each is a createRealtime on its own HTTP server on
// port 0, built from its own Platform on the run's database and Redis prefix,
// so two of them form a cluster through the Redis adapter, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import { createHttpApp } from '../../shared/http/app.js';
import type { Config } from '../../shared/config.js';
import type { Platform } from '../../shared/platform.js';
import type { ChatMessage } from '../../realtime/events.js';
import { createRealtime, type Realtime, type RealtimeOptions } from '../../realtime/index.js';
import { testEnv, testPlatform } from './env.js';
import { client, startHttp, type Running } from './http.js';
import { closeSockets, emitAck, nextEvent, type ClientSocket } from './sockets.js';

export interface Node {
  url: string;
  platform: Platform;
  rt: Realtime;
  running: Running;
  api: ReturnType<typeof client>;
  close(): Promise<void>;
}

export async function startNode(env: Record<string, string | undefined> = {}, opts: RealtimeOptions = {}): Promise<Node> {
  const platform = testPlatform(env, 'realtime');
  const rt = createRealtime(platform, { drainMs: 2000, ...opts });
  const app = createHttpApp({ service: 'realtime', logger: platform.logger, readiness: platform, routers: [rt.router] });
  const running = await startHttp(app.callback());
  await rt.attach(running.server);
  let closed = false;
  return {
    url: running.url,
    platform,
    rt,
    running,
    api: client(running.url),
    async close() {
      if (closed) return;
      closed = true;
      await rt.stop();
      await running.close();
      await platform.close();
    },
  };
}

export interface TwoNodes {
  n1: Node;
  n2: Node;
  /** The run's database and config, through n1. */
  db(): Knex;
  config(): Config;
}

/**
 * Two nodes of one cluster for the enclosing describe block: started before its
 * first test, closed after its last, every socket the tests opened closed after
 * each test. n1 and n2 are filled in by the before hook, so use them inside
 * tests and hooks only.
 */
export function twoNodes(env: Record<string, string | undefined> | (() => Record<string, string | undefined>) = {}, opts: RealtimeOptions = {}): TwoNodes {
  const n1 = {} as Node;
  const n2 = {} as Node;
  before(async () => {
    // A function: settings known only once an earlier hook ran (a Redis topology the block started).
    const settings = typeof env === 'function' ? env() : env;
    Object.assign(n1, await startNode(settings, opts));
    Object.assign(n2, await startNode(settings, opts));
  });
  afterEach(() => closeSockets());
  after(async () => {
    await n1.close?.();
    await n2.close?.();
  });
  return { n1, n2, db: () => n1.platform.db, config: () => n1.platform.config };
}

let n = 0;
/** A client_msg_id unique in the run. */
export const clientMsgId = (tag = 'm') => `${tag}-${Date.now().toString(36)}-${n++}`;

/**
 * The positive signal before asserting that sockets got nothing more (no
 * duplicate, no echo): one more message in the conversation, sent from `from`
 * and received by every socket of `to`. What the server emitted to those
 * sockets before it has arrived by then; it is the last entry of their collect().
 */
export async function sentinelMessage(from: ClientSocket, conversationId: string, to: ClientSocket[]): Promise<ChatMessage> {
  const id = clientMsgId('sentinel');
  const arrived = to.map((s) => nextEvent(s, 'message:new', { filter: (p) => p.message.client_msg_id === id }));
  const ack = await emitAck(from, 'message:send', { conversation_id: conversationId, body: 'sentinel', client_msg_id: id });
  if (!ack.ok) throw new Error(`the sentinel message was refused: ${JSON.stringify(ack)}`);
  await Promise.all(arrived);
  return ack.message as ChatMessage;
}

/** Presence and slot timings short enough for a test to watch a killed node's entries lapse. */
export const FAST_TIMINGS = { ttlMs: 1500, heartbeatMs: 400, graceMs: 300, sweepMs: 100 };

/**
 * A realtime node in its own process (test/fixtures/realtime-node.ts): its event
 * loop is not the test's, and it can be killed without warning. `env` adds to the run's settings.
 */
export async function startProcessNode(env: Record<string, string> = {}, timings = FAST_TIMINGS): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/realtime-node.ts', JSON.stringify(timings)], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: testEnv.databaseUrl,
      REDIS_URL: testEnv.redisUrl,
      REDIS_PREFIX: testEnv.redisPrefix,
      DATABASE_POOL_MAX: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node exited early (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}
