// What the gateway costs: the same small JSON GET straight to an upstream and
// through the real gateway process (api/gateway/main.ts), plus the gateway's
// CPU per proxied request (steadier than req/s on a shared machine). The load
// comes from autocannon in a generator process of its own.
// Writes bench/results/gateway.json.
//   npx tsx bench/gateway.ts [--duration 5] [--connections 32]
import { parseArgs } from 'node:util';
import Router from '@koa/router';
import { createHttpApp } from '../shared/http/app.js';
import { createLogger } from '../shared/logger.js';
import { startHttp } from '../test/helpers/http.js';
import { cpuSecondsOf } from './lib/cpu.js';
import { startGenerator } from './lib/generator.js';
import { startRun, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';
import { cleanup, freePort, httpOk, onCleanup, startService } from './lib/stores.js';
import type { ClosedLoopResult } from './lib/http-load.js';

const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const run = startRun('bench/gateway.ts');


function report(name: string, r: ClosedLoopResult, cpuMsPerRequest?: number) {
  const cpu = cpuMsPerRequest === undefined ? '' : `, gateway CPU ${cpuMsPerRequest.toFixed(3)} ms/request`;
  process.stdout.write(
    `${name.padEnd(22)} ${r.requests_per_s.toFixed(0).padStart(6)} req/s  latency p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms${cpu}` +
      `  (${r.total} requests, ${r.non2xx + r.errors + r.timeouts} failed, generator ${r.cpu.cores} cores)\n`,
  );
}

async function main() {
  const logger = createLogger({ logLevel: 'silent', instance: undefined }, 'bench');
  const router = new Router();
  router.get('/media/ping', (ctx) => {
    ctx.body = { id: 'bench', status: 'approved', urls: { thumb: '/media/files/x-thumb.webp' } };
  });
  const upstream = await startHttp(createHttpApp({ service: 'media', logger, readiness: {}, routers: [router] }).callback());
  onCleanup(() => upstream.close());
  const gatewayPort = await freePort();
  const gateway = await startService(
    ['api/gateway/main.ts'],
    { GATEWAY_PORT: String(gatewayPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MEDIA_URL: upstream.url, REALTIME_URLS: `http://127.0.0.1:${await freePort()}` },
    httpOk(`http://127.0.0.1:${gatewayPort}/health`),
  );
  const gen = await startGenerator('bench/lib/http-load.ts', 'http');
  const load = (url: string) => gen.call<ClosedLoopResult>('closedLoop', { url, connections, duration });
  await load(`http://127.0.0.1:${gatewayPort}/api/v1/media/ping`); // warm-up (JIT, keep-alive pool)
  const direct = await load(`${upstream.url}/media/ping`);
  report('direct to the service', direct);
  const before = cpuSecondsOf(gateway.pid)!;
  const through = await load(`http://127.0.0.1:${gatewayPort}/api/v1/media/ping`);
  const cpuMs = ((cpuSecondsOf(gateway.pid)! - before) * 1000) / through.total;
  report('through the gateway', through, cpuMs);
  await gen.stop();
  const file = writeResults('gateway', run, {
    direct_req_per_s: round(direct.requests_per_s, 0),
    gateway_req_per_s: round(through.requests_per_s, 0),
    gateway_cpu_ms_per_request: round(cpuMs, 3),
    direct_p50_ms: direct.p50_ms,
    gateway_p50_ms: through.p50_ms,
    lower_bounds: [...(direct.cpu.saturated ? ['direct_req_per_s'] : []), ...(through.cpu.saturated ? ['gateway_req_per_s'] : [])],
    loadgen_cpu_max: round(Math.max(direct.cpu.cores, through.cpu.cores), 2),
    setup: { connections, duration_s: duration, note: 'the upstream runs in the benchmark process' },
  });
  process.stdout.write(`→ ${file}\n`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
