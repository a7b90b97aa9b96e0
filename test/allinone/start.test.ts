import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { loginViaApi } from '../helpers/telegram.js';

describe('all-in-one start (npm start with no servers)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let port: number;
  let metricsPort: number;
  let proc: Proc | undefined;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'aio-'));
    port = await freePort();
    metricsPort = await freePort();
  });
  afterEach(async () => {
    await proc?.stop('SIGKILL');
    proc = undefined;
  });
  after(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ DATA_DIR: dataDir, GATEWAY_PORT: String(port), METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test' });

  let login: Awaited<ReturnType<typeof loginViaApi>>;

  it('answers /health and /ready within 15 s on the embedded database and in-memory bus', async () => {
    // The load average when the process starts: the 15 s promise is for a machine with a core to spare
    // (most of it is the embedded PostgreSQL's first start: initdb in WebAssembly).
    const quiet = os.loadavg()[0] < os.cpus().length;
    proc = startTs('allinone/main.ts', env());
    const ms = await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000);
    // Something to find after the restart: a user and a session (dev-mode init data).
    login = await loginViaApi(`http://127.0.0.1:${port}`, { id: 424242, first_name: 'Persisted' });
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    expect(health.status).to.equal('healthy');
    if (quiet) expect(ms, 'ms to /ready').to.be.below(15_000);
    else process.stderr.write(`    (ready after ${ms} ms with load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: the 15 s bound is checked on a quieter machine)\n`);
    expect(proc.output()).to.contain('embedded (PGlite)');
    expect(proc.output()).to.contain('DEVELOPMENT MODE');
    // Metrics on the loopback METRICS_PORT, not on the public port.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).to.equal(404);
  });

  it('keeps its data across a restart and exits cleanly on SIGTERM', async () => {
    proc = startTs('allinone/main.ts', env());
    await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000);
    // The schema applied by the first start is still there: nothing to migrate.
    expect(proc.output()).not.to.contain('migrations applied');
    // The user and the session made before the restart are still there.
    const res = await fetch(`http://127.0.0.1:${port}/auth/sessions`, { headers: { authorization: `Bearer ${login.access_token}` } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { sessions: { current: boolean }[] };
    expect(body.sessions.filter((s) => s.current)).to.have.length(1);
    expect(await proc.stop('SIGTERM')).to.equal(0);
    expect(proc.output()).to.contain('stopped cleanly');
  });
});
