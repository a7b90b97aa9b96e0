// Roles per machine under PM2: a second machine that runs only the socket tier
// (`npm run cluster -- --only realtime`, its own PM2 daemon) joins a running
// cluster through the realtime registry with no change to the gateway, and
// `pm2 scale realtime N` there adds instances the gateway uses at once.
import { expect } from 'chai';
import { readRegistry } from '../../realtime/registry.js';
import { uniqueTelegramId } from '../helpers/env.js';
import { redisOf } from '../helpers/redis.js';
import { closeSockets, type ClientSocket } from '../helpers/sockets.js';
import { loginViaApi } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';
import { chatSocket, instanceOf, startCluster, startMachine, type Cluster, type Machine, type Member, type Pm2Process } from './harness.js';

describe('cluster roles: a machine that runs only the socket tier (PM2)', function () {
  this.timeout(150_000);
  let cluster: Cluster;
  let machine: Machine | undefined;
  let member: Member;

  const registry = () => readRegistry(redisOf({ redisUrl: cluster.env.REDIS_URL }), cluster.env.REDIS_PREFIX);
  const tagAt = async (port: number) => (await registry()).find((e) => Number(new URL(e.url).port) === port)?.tag;
  /** Opens sessions through the gateway until one lands on `tag` (the others are closed again). */
  const sessionOn = (tag: string) =>
    waitFor(
      `a new session through the gateway on ${tag}`,
      async () => {
        const s: ClientSocket = await chatSocket(cluster.url, member);
        if (instanceOf(s) === tag) return s;
        s.close();
        return undefined;
      },
      { timeoutMs: 10_000, everyMs: 200 },
    );

  before(async function () {
    this.timeout(120_000);
    cluster = await startCluster({ apps: ['gateway', 'auth', 'realtime'], realtimeInstances: 1 });
    const login = await loginViaApi(cluster.url, { id: uniqueTelegramId(), first_name: 'Roles' });
    member = { id: login.user.id, token: login.access_token, name: 'Roles' };
  });

  after(async function () {
    this.timeout(60_000);
    closeSockets();
    if (this.currentTest?.state === 'failed' && cluster) process.stderr.write(await cluster.logTail(40));
    await machine?.stop();
    await cluster?.stop();
  });

  it('runs only the realtime app there, and the gateway sends new sessions to it with no change of its own', async () => {
    // The gateway learns the first instance from the registry within a heartbeat of the start.
    const first = await waitFor('a first session through the gateway', () => chatSocket(cluster.url, member).catch(() => undefined), {
      timeoutMs: 15_000,
      everyMs: 200,
    });
    machine = await startMachine(cluster, 'realtime', { room: 2 });
    expect(machine.output).to.match(/Realtime registry \(every machine\)/);
    const out = await machine.pm2(['jlist']);
    const apps = (JSON.parse(out.slice(out.indexOf('['))) as Pm2Process[]).map((p) => p.name);
    expect(apps).to.deep.equal(['realtime']);

    const tag = await waitFor('the new machine\'s instance in the registry', () => tagAt(machine!.realtimePorts[0]));
    expect(instanceOf(first)).to.not.equal(tag);
    // The least loaded instance: the new one, as soon as the gateway has read the registry.
    await sessionOn(tag);
  });

  it('adds the instances of `pm2 scale realtime N` on that machine alone, and the gateway uses them', async () => {
    await machine!.pm2(['scale', 'realtime', '2']);
    const tag = await waitFor('the scaled instance in the registry', () => tagAt(machine!.realtimePorts[1]), 30_000);
    await sessionOn(tag);
    expect((await registry()).length).to.equal(3);
  });
});
