// Realtime nodes for tests: each is a createRealtime on its own HTTP server on
// port 0, built from its own Platform on the run's database and Redis prefix,
// so two of them form a cluster through the Redis adapter, as in production.
import type { Knex } from 'knex';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createRealtime, type Realtime, type RealtimeOptions } from '../../realtime/index.js';
import { testPlatform } from '../helpers/env.js';
import { client, startHttp, type Running } from '../helpers/http.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';

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

/** Two users with a live match and its conversation. */
export async function matchedPair(db: Knex, config: Platform['config']) {
  const a = await createUser(db, config);
  const b = await createUser(db, config);
  const { matchId, conversationId } = await createMatch(db, a.id, b.id);
  return { a, b, matchId, conversationId };
}

/** A minimal profile, for views that show people (conversation list, match:new). */
export async function createProfile(db: Knex, user: TestUser, displayName = 'Test') {
  await db('profiles').insert({ user_id: user.id, display_name: displayName, birthdate: '1995-05-05', gender: 'woman' });
}

let n = 0;
export const clientMsgId = (tag = 'm') => `${tag}-${Date.now().toString(36)}-${n++}`;
