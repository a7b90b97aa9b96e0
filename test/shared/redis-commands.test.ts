// handleEveryCommand (shared/redis.ts): a library that sends commands without
// awaiting them (the Socket.IO Streams adapter) must not kill the process with
// an unhandled rejection when the connection has ended, whether its commands
// are auto-pipelined (the adapter's publisher is) or not; whoever awaits a
// command still sees its failure.
import { expect } from 'chai';
import pino from 'pino';
import { createRedis, duplicate, handleEveryCommand, quit } from '../../shared/redis.js';
import { testEnv } from '../helpers/env.js';

describe('Redis connections handed to a library: every command handled', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', record));
  after(() => process.off('unhandledRejection', record));

  for (const autoPipelining of [true, false]) {
    it(`${autoPipelining ? 'auto-pipelined' : 'one write per command'}: commands sent after the end reject only for whoever awaits them`, async () => {
      const main = createRedis(testEnv.redisUrl, pino({ level: 'silent' }), 'test-main');
      const conn = handleEveryCommand(duplicate(main, 'test-library', { autoPipelining }));
      const key = `${testEnv.redisPrefix}handled:${autoPipelining}`;
      expect(await conn.set(key, '1')).to.equal('OK'); // it works while open
      await quit(conn);
      await quit(main);

      // What a library does: fire and forget.
      void conn.set(key, '2');
      void conn.xadd(`${key}:stream`, '*', 'f', 'v');
      // The positive signal: an awaited command of the same connection has failed, so the ones before it have too.
      const failure = await conn.get(key).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(failure, 'an awaited command still sees the failure').to.be.an.instanceOf(Error);
      await new Promise((r) => setImmediate(r)); // unhandled rejections are reported after the microtasks
      expect(unhandled).to.deep.equal([]);
    });
  }
});
