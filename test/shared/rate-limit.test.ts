// One behaviour suite, run against both rate limiter factories: Redis (counted
// across every instance; on a Redis server and on a Redis Cluster) and memory
// (the all-in-one process without Redis).
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { memoryLimiter, redisLimiter, type Limiter } from '../../shared/rate-limit.js';
import { deleteByPrefix, quit, type RedisClient } from '../../shared/redis.js';
import { testEnv } from '../helpers/env.js';
import { redisTopologies, standaloneTopology, type RedisTopology } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/wait.js';

interface Harness {
  limiter: Limiter;
  close(): Promise<void>;
}

function inRedis(topology: RedisTopology): Harness & { prefix: string; another(): Limiter } {
  const prefix = `${testEnv.redisPrefix}rl-${randomBytes(3).toString('hex')}:`;
  const conns: RedisClient[] = [topology.client()];
  return {
    prefix,
    limiter: redisLimiter(conns[0], prefix),
    another() {
      const c = topology.client();
      conns.push(c);
      return redisLimiter(c, prefix);
    },
    async close() {
      await deleteByPrefix(conns[0], prefix);
      await Promise.all(conns.map(quit));
    },
  };
}

function inMemory(): Harness {
  return { limiter: memoryLimiter(), close: async () => {} };
}

/** The AppError a consume() threw, or undefined when it let the call through. */
async function refusal(p: Promise<void>): Promise<AppError | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

function behaviourSuite(name: string, make: () => Harness, use = () => {}) {
  describe(`rate limiter behaviour: ${name}`, () => {
    use();
    let h: Harness;
    const limitName = () => `test-${randomUUID().slice(0, 8)}`;

    beforeEach(() => {
      h = make();
    });
    afterEach(() => h.close());

    it('lets a key through `points` times in the window, then answers 429 rate_limited with Retry-After', async () => {
      const limit = h.limiter(limitName(), 3, 60);
      for (let i = 0; i < 3; i++) expect(await refusal(limit.consume('alice'))).to.equal(undefined);
      const err = await refusal(limit.consume('alice'));
      expect(err?.status).to.equal(429);
      expect(err?.code).to.equal('rate_limited');
      const retry = Number(err?.headers?.['Retry-After']);
      expect(retry).to.be.within(1, 60);
      expect(err?.toBody().error.details).to.deep.equal({ retry_after_s: retry });
    });

    it('counts each key apart, and each limit apart', async () => {
      const limit = h.limiter(limitName(), 1, 60);
      const other = h.limiter(limitName(), 1, 60);
      await limit.consume('alice');
      expect(await refusal(limit.consume('bob'))).to.equal(undefined);
      expect(await refusal(other.consume('alice'))).to.equal(undefined);
      expect((await refusal(limit.consume('alice')))?.status).to.equal(429);
    });

    it('answers quota_exceeded for a limit built as a quota', async () => {
      const quota = h.limiter(limitName(), 1, 86_400, 'quota_exceeded');
      await quota.consume('alice');
      const err = await refusal(quota.consume('alice'));
      expect(err?.code).to.equal('quota_exceeded');
      expect(Number(err?.headers?.['Retry-After'])).to.be.within(86_000, 86_400);
    });

    it('takes several points at once', async () => {
      const limit = h.limiter(limitName(), 5, 60);
      await limit.consume('alice', 4);
      expect((await refusal(limit.consume('alice', 2)))?.status).to.equal(429);
    });

    it('lets the key through again once the window is over', async () => {
      const limit = h.limiter(limitName(), 1, 1);
      await limit.consume('alice');
      expect((await refusal(limit.consume('alice')))?.status).to.equal(429);
      await waitFor('a new window', async () => (await refusal(limit.consume('alice'))) === undefined, { timeoutMs: 3000, everyMs: 100 });
    });
  });
}

for (const topology of redisTopologies()) behaviourSuite(topology.name, () => inRedis(topology), topology.use);
behaviourSuite('memory', inMemory);

describe('rate limiter in Redis: several instances', () => {
  it('counts a limit of one name together across instances', async () => {
    const h = inRedis(standaloneTopology);
    try {
      const [mine, theirs] = [h.limiter('shared', 2, 60), h.another()('shared', 2, 60)];
      await mine.consume('alice');
      await theirs.consume('alice');
      expect((await refusal(mine.consume('alice')))?.status).to.equal(429);
      expect((await refusal(theirs.consume('alice')))?.status).to.equal(429);
    } finally {
      await h.close();
    }
  });
});
