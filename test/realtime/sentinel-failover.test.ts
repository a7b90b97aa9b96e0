// Redis Sentinel failover in the middle of a chat: a primary, a replica and
// three sentinels made by the test (test/helpers/redis-topology.ts); two
// realtime processes (realtime/main.ts) configured with REDIS_SENTINELS only,
// behind a gateway that finds them in the registry, through Sentinel too;
// pairs chatting across them with the web client's own delivery code (the
// fault suite's ChatLoad: an outbox that resends with the same client_msg_id,
// catch-up by after_seq on reconnects and gaps). The primary is killed
// (SIGKILL) while they chat: the sentinels promote the replica, the processes
// follow it by themselves, and every acknowledged message is stored once and
// reaches its peer, with no process restarted.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createDb } from '../../shared/db.js';
import { ChatLoad, failures, type Pair } from '../faults/load.js';
import { testConfig, testEnv } from '../helpers/env.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { missingRedisBinaries, startSentinelGroup, type SentinelGroup } from '../helpers/redis-topology.js';
import { createMatch, createUser } from '../helpers/users.js';
import { sleep, waitFor } from '../helpers/wait.js';

const PAIRS = 6;
/** Mean pause between two messages of one client. */
const EVERY_MS = 250;

describe('Redis Sentinel: the primary killed mid-chat', function () {
  this.timeout(120_000);
  let group: SentinelGroup | undefined;
  let db: Knex | undefined;
  const nodes: Proc[] = [];
  let gateway: RunningGateway | undefined;
  let chat: ChatLoad | undefined;

  before(async function () {
    const missing = missingRedisBinaries();
    if (missing) {
      process.stdout.write(`Sentinel failover test skipped: ${missing} (it starts a primary, a replica and three sentinels of its own)\n`);
      this.skip();
    }
    group = await startSentinelGroup();
    db = createDb(testEnv.databaseUrl, 2);
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      nodes.push(
        startTs('realtime/main.ts', {
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: testEnv.databaseUrl,
          DATABASE_POOL_MAX: '3',
          // Only the sentinels: no REDIS_URL at all.
          ...group.env,
          REDIS_PREFIX: testEnv.redisPrefix,
          HOST: '127.0.0.1',
          REALTIME_PORT: String(port),
          // The limits are not under test.
          RATE_LIMIT_MESSAGES_PER_MIN: '100000',
        }),
      );
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 20_000);
    }
    // The gateway's Redis is the same Sentinel group: it reads the registry the processes announce in.
    gateway = await startGateway(group.env, { withRedis: true });
    await waitFor('both realtime processes healthy at the gateway', () => gateway!.gateway.realtime.list().filter((u) => u.healthy).length === 2, 15_000);
  });

  after(async () => {
    chat?.close();
    await gateway?.close();
    for (const n of nodes) await n.stop('SIGKILL');
    await db?.destroy();
    await group?.stop();
  });

  it('promotes the replica; every acknowledged message is stored once and reaches its peer, with no process restarted', async () => {
    const config = testConfig();
    const pairs: Pair[] = [];
    const conversations: string[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const [a, b] = [await createUser(db!, config), await createUser(db!, config)];
      conversations.push((await createMatch(db!, a.id, b.id)).conversationId);
      pairs.push([
        { id: a.id, token: a.token, name: `s${i}a` },
        { id: b.id, token: b.token, name: `s${i}b` },
      ]);
    }
    failures.clear();
    chat = new ChatLoad(gateway!.url, pairs, conversations);
    await chat.connect();
    expect(chat.crossInstancePairs, 'pairs whose two sockets are on different realtime processes').to.be.above(0);
    const pids = nodes.map((n) => n.child.pid);

    chat.start(EVERY_MS);
    await sleep(2000);
    const ackedBefore = chat.clients.flat().reduce((n, c) => n + c.acked.size, 0);
    expect(ackedBefore, 'messages acknowledged before the failover').to.be.above(0);

    const oldPrimary = group!.primary.address;
    await group!.primary.kill();
    const killedAt = Date.now();
    await waitFor('the sentinels to name the replica the primary', async () => (await group!.currentPrimary()) === group!.replica.address, {
      timeoutMs: 30_000,
      everyMs: 100,
      untilNoError: true,
    });
    const promotedMs = Date.now() - killedAt;
    const role = String(await group!.replica.command('ROLE'));
    expect(role.startsWith('master'), `the replica's role is now ${role}`).to.equal(true);

    // Chat goes on after the promotion, on the processes that ran before it.
    const ackedAtPromotion = chat.clients.flat().reduce((n, c) => n + c.acked.size, 0);
    await waitFor('messages acknowledged after the promotion', () => chat!.clients.flat().reduce((n, c) => n + c.acked.size, 0) > ackedAtPromotion + 2 * PAIRS, 30_000);
    await sleep(2000);
    await chat.stop(30_000);
    const totals = await chat.verify(db!, 30_000);

    expect(nodes.map((n) => n.child.pid)).to.deep.equal(pids);
    expect(
      nodes.every((n) => n.child.exitCode === null && n.child.signalCode === null),
      `every realtime process still runs:\n${nodes.map((n) => n.output().slice(-2000)).join('\n')}`,
    ).to.equal(true);
    expect(totals.lost).to.equal(0);
    expect(totals.duplicates).to.equal(0);
    expect(totals.refused).to.equal(0);
    expect(totals.delivered).to.equal(totals.acked);
    expect(totals.stored).to.equal(totals.acked);
    process.stdout.write(
      `      sentinel failover: ${oldPrimary} killed, ${group!.replica.address} promoted in ${promotedMs} ms; ` +
        `${totals.pairs} pairs (${totals.crossInstancePairs} across processes): acked ${totals.acked} / stored ${totals.stored} / delivered ${totals.delivered}, ` +
        `lost ${totals.lost}, duplicates ${totals.duplicates}, resends ${totals.retries}, catch-ups ${totals.catchUps} (${totals.fetchedByCatchUp} fetched), ` +
        `fetched at the end ${totals.fetchedAtEnd}; failed answers retried: ${[...failures].map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'}\n`,
    );
  });
});
