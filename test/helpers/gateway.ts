// The gateway (api/gateway) in this test process, on port 0, built from the
// run's config plus `env`: with the run's Redis it routes sockets by the
// realtime registry, without it by REALTIME_URLS.
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { createLogger } from '../../shared/logger.js';
import { testConfig } from './env.js';
import { startHttp } from './http.js';
import { redisOf } from './redis.js';

const logger = createLogger({ logLevel: 'silent', instance: undefined }, 'test');

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startGateway(env: Record<string, string> = {}, opts: { withRedis?: boolean } = {}): Promise<RunningGateway> {
  const config = testConfig({ GATEWAY_PORT: '0', ...env });
  const gateway = createGateway({ config, logger, redis: opts.withRedis ? redisOf(config) : null, probeIntervalMs: 100 });
  await gateway.start();
  const running = await startHttp(gateway.handleRequest);
  gateway.attach(running.server);
  return {
    url: running.url,
    gateway,
    async close() {
      await gateway.stop();
      await running.close();
    },
  };
}
