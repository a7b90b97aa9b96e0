// Every process exits cleanly on SIGTERM, including when its Redis has stopped
// answering (a host cut off: packets dropped, so no call ever fails by itself):
// the shutdown bounds each wait on Redis (leaving the registry, the outbox
// relay's last round, QUIT) and ends with exit code 0 well within its deadline.
import { expect } from 'chai';
import { testEnv } from '../helpers/env.js';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { TcpHop } from '../helpers/tcp-hop.js';
import { waitFor } from '../helpers/wait.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';

describe('realtime process: SIGTERM while Redis does not answer', function () {
  this.timeout(60_000);
  let hop: TcpHop;
  let proc: Proc | undefined;

  before(async () => {
    hop = TcpHop.to(testEnv.redisUrl);
    await hop.up();
  });
  after(async () => {
    await proc?.stop('SIGKILL');
    await hop.down();
  });

  const start = (port: number) =>
    startTs('realtime/main.ts', {
      ...ADMIN_CAPABLE_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: testEnv.databaseUrl,
      REDIS_URL: hop.url,
      REDIS_PREFIX: testEnv.redisPrefix,
      REALTIME_PORT: String(port),
      HOST: '127.0.0.1',
    });

  it('exits 0 within its shutdown deadline (15 s), having given up on Redis', async () => {
    const port = await freePort();
    proc = start(port);
    await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000).catch((err) => {
      throw new Error(`${err.message}\n${proc!.output()}`);
    });
    // Fully started: announced in the registry and listening (its last start-up line).
    await waitFor('the node to finish starting', () => proc!.output().includes('realtime listening'), 30_000);
    hop.silence();
    const t0 = Date.now();
    const code = await proc.stop('SIGTERM');
    const took = Date.now() - t0;
    expect(code, proc.output()).to.equal(0);
    expect(took, 'ms from SIGTERM to exit').to.be.below(15_000);
    expect(proc.output()).to.match(/cannot remove the realtime registry entry/);
    expect(proc.output()).to.contain('stopped cleanly');
  });

  it('exits 0 when stopped while still starting, Redis silent from the first moment', async () => {
    hop.silence();
    const port = await freePort();
    proc = start(port);
    // Listening, but its start cannot finish: announcing and the consumers wait on Redis.
    await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000);
    expect(proc.output()).to.not.contain('realtime listening');
    const code = await proc.stop('SIGTERM');
    expect(code, proc.output()).to.equal(0);
    expect(proc.output()).to.contain('stopped cleanly');
  });
});
