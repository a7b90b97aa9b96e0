// What the gateway costs: the same small JSON GET straight to an upstream and
// through the real gateway process (api/gateway/main.ts), plus the gateway's
// CPU per proxied request (steadier than req/s on a shared machine).
//   npx tsx bench/gateway.ts [--duration 5] [--connections 32]
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import Router from '@koa/router';
import { createHttpApp } from '../shared/http/app.js';
import { createLogger } from '../shared/logger.js';
import { freePort, startTs, waitForHttp } from '../test/helpers/processes.js';
import { startHttp } from '../test/helpers/http.js';

const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } },
});
const duration = Number(args.duration);
const connections = Number(args.connections);

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function report(name: string, r: autocannon.Result, cpuMsPerRequest?: number) {
  const failed = r.non2xx + r.errors + r.timeouts;
  const cpu = cpuMsPerRequest === undefined ? '' : `, gateway CPU ${cpuMsPerRequest.toFixed(3)} ms/request`;
  process.stdout.write(
    `${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(6)} req/s  latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${cpu}` +
      `  (${r.requests.total} requests, ${failed} failed, ${connections} connections, ${duration} s)\n`,
  );
}

const logger = createLogger({ logLevel: 'silent', instance: undefined }, 'bench');
const router = new Router();
router.get('/media/ping', (ctx) => {
  ctx.body = { id: 'bench', status: 'approved', urls: { thumb: '/media/files/x-thumb.webp' } };
});
const upstream = await startHttp(createHttpApp({ service: 'media', logger, readiness: {}, routers: [router] }).callback());
const gatewayPort = await freePort();
const gateway = startTs('api/gateway/main.ts', {
  GATEWAY_PORT: String(gatewayPort),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  MEDIA_URL: upstream.url,
  REALTIME_URLS: `http://127.0.0.1:${await freePort()}`,
});
try {
  await waitForHttp(`http://127.0.0.1:${gatewayPort}/health`, 30_000);
  const run = (url: string) => autocannon({ url, connections, duration });
  await run(`http://127.0.0.1:${gatewayPort}/api/v1/media/ping`); // warm-up (JIT, keep-alive pool)
  report('direct to the service', await run(`${upstream.url}/media/ping`));
  const before = await cpuSecondsOf(gateway.child.pid!);
  const through = await run(`http://127.0.0.1:${gatewayPort}/api/v1/media/ping`);
  const cpuS = (await cpuSecondsOf(gateway.child.pid!)) - before;
  report('through the gateway', through, (cpuS * 1000) / through.requests.total);
} finally {
  await gateway.stop();
  await upstream.close();
}
