// The workers have no HTTP port of their own; in a cluster each instance serves
// its metrics on 127.0.0.1:METRICS_PORT (shared/service-main.ts runWorker),
// and the PM2 launcher gives every instance a port of its own.
import { expect } from 'chai';
import { processEnv, testEnv } from '../helpers/env.js';
import { connectOutcome, freePort, outsideAddress, startTs, waitForHttp } from '../helpers/processes.js';
// @ts-expect-error ecosystem.config.js is PM2's plain JavaScript file, without types.
import { apps as ecosystemApps } from '../../ecosystem.config.js';

interface Pm2App {
  name: string;
  increment_var?: string;
  env: Record<string, string | number | undefined>;
}

describe('worker metrics in cluster mode', function () {
  this.timeout(60_000);

  it('a worker started with METRICS_PORT serves its bus counters there, on 127.0.0.1, and stops it on SIGTERM', async () => {
    const port = await freePort();
    const proc = startTs('workers/matching/main.ts', processEnv({ LOG_LEVEL: 'info', REDIS_PREFIX: `${testEnv.redisPrefix}worker-metrics:`, METRICS_PORT: String(port) }));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/metrics`, 30_000).catch((err) => {
        throw new Error(`${err.message}\n${proc.output()}`);
      });
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const metric of ['bus_events_handled_total', 'bus_handler_duration_seconds', 'process_cpu_seconds_total']) expect(text, metric).to.include(`# TYPE ${metric}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).to.equal(404);
    } finally {
      const code = await proc.stop('SIGTERM');
      expect(code, proc.output()).to.equal(0);
    }
    expect(await connectOutcome(`http://127.0.0.1:${port}/metrics`)).to.equal('ECONNREFUSED');
    const outside = outsideAddress();
    if (outside) expect(await connectOutcome(`http://${outside}:${port}/metrics`)).to.equal('ECONNREFUSED');
  });

  it('ecosystem.config.js gives each worker instance a metrics port of its own: a range per kind, counted up per instance', () => {
    const workers = (ecosystemApps as Pm2App[]).filter((a) => ['matching', 'moderation', 'notifications'].includes(a.name));
    expect(workers.map((w) => w.name)).to.have.members(['matching', 'moderation', 'notifications']);
    const bases = workers.map((w) => {
      expect(w.increment_var, w.name).to.equal('METRICS_PORT');
      return Number(w.env.METRICS_PORT);
    });
    expect(bases.sort()).to.deep.equal([9700, 9800, 9900]);
    // The services keep /metrics on their own port: the launcher gives them no METRICS_PORT.
    for (const app of (ecosystemApps as Pm2App[]).filter((a) => !workers.includes(a))) expect(app.env, app.name).to.not.have.property('METRICS_PORT');
  });
});
