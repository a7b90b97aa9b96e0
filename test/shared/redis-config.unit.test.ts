// Which Redis the configuration describes: REDIS_URL, Sentinel or Cluster, the
// latter two taking precedence over REDIS_URL (the one decision of the mode).
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { describeRedis } from '../../shared/redis.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
};

describe('configuration: where Redis is', () => {
  it('is one server with REDIS_URL alone, and none (the in-memory mode) without any setting', () => {
    expect(loadConfig({ REDIS_URL: 'redis://h:6379' }).redis).to.deep.equal({ mode: 'standalone', url: 'redis://h:6379' });
    expect(loadConfig({}).redis).to.equal(undefined);
  });

  it('prefers Sentinel over REDIS_URL', () => {
    const c = loadConfig({ REDIS_URL: 'redis://h:6379', REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_SENTINEL_NAME: 'main', REDIS_PASSWORD: 'pw' });
    expect(c.redis).to.deep.include({ mode: 'sentinel', name: 'main', password: 'pw' });
    expect(c.redis?.mode === 'sentinel' && c.redis.sentinels).to.deep.equal([
      { host: 's1', port: 26379 },
      { host: '::1', port: 26380 },
    ]);
    expect(c.redisUrl, 'REDIS_URL is not the mode').to.equal(undefined);
    expect(c.realtime.adapter).to.equal('streams');
  });

  it('prefers Cluster over REDIS_URL, with the sharded pub/sub adapter', () => {
    const c = loadConfig({ REDIS_URL: 'redis://h:6379', REDIS_CLUSTER_NODES: 'a:7000,b:7001' });
    expect(c.redis).to.deep.equal({ mode: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], password: undefined });
    expect(c.realtime.adapter).to.equal('pubsub');
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000', REALTIME_ADAPTER: 'streams' })).to.contain('REALTIME_ADAPTER');
  });

  it('names what is missing or contradictory', () => {
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).to.contain('REDIS_SENTINEL_NAME');
    expect(problems({ REDIS_SENTINEL_NAME: 'main' })).to.contain('REDIS_SENTINELS');
    expect(problems({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'main', REDIS_CLUSTER_NODES: 'a:7000' })).to.contain('REDIS_CLUSTER_NODES');
    expect(problems({ REDIS_CLUSTER_NODES: 'a' })).to.contain('REDIS_CLUSTER_NODES');
  });

  it('is described in logs without a password', () => {
    expect(describeRedis({ mode: 'standalone', url: 'redis://user:secret@h:6379/2' })).to.equal('redis://h:6379/2');
    expect(describeRedis({ mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'main', password: 'secret' })).to.equal('sentinel main via s1:26379');
    expect(describeRedis({ mode: 'cluster', nodes: [{ host: '::1', port: 7000 }], password: 'secret' })).to.equal('cluster [::1]:7000');
  });
});
