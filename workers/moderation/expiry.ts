// The expiry of uploads attached to nothing: media that never became a
// profile photo is removed, row and files, MEDIA_UNATTACHED_TTL_S after upload
// (a client uploads first and attaches within moments; what is left behind
// only costs storage), and media an unsend released from chat at the next
// pass (repo.expireUnattached). Every moderation worker runs the sweep; passes of
// several workers share the rows (see repo.expireUnattached), and a pass that
// fails (PostgreSQL or the storage down) is simply tried again at the next.
import type { Logger } from '../../shared/logger.js';
import type { ServiceDeps } from '../../shared/platform.js';
import type { Storage } from '../../shared/storage/index.js';
import * as repo from './repo.js';

const BATCH = 100;
const LONGEST_PAUSE_MS = 10 * 60_000;

export interface ExpiryOptions {
  /** Pause between two passes (± 25 %, so workers spread out); default a quarter of the TTL, at most 10 minutes. */
  everyMs?: number;
  /** Test hook: a pass is complete; `removed` media expired in it. */
  afterPass?(removed: number): void;
}

export interface Expiry {
  /** Waits for a running pass, then stops. */
  stop(): Promise<void>;
}

export function startExpiry(deps: Pick<ServiceDeps, 'db' | 'config'>, storage: Storage, logger: Logger, o: ExpiryOptions = {}): Expiry {
  const log = logger.child({ sweep: 'unattached-media' });
  const ttlS = deps.config.uploads.unattachedTtlS;
  const everyMs = o.everyMs ?? Math.min(LONGEST_PAUSE_MS, (ttlS * 1000) / 4);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;

  const pass = async () => {
    let removed = 0;
    try {
      for (;;) {
        const n = await repo.expireUnattached(deps.db, ttlS, BATCH, (keys) => storage.delete(keys));
        removed += n;
        if (n < BATCH || stopped) break;
      }
      if (removed) log.info({ removed }, 'unattached uploads expired');
      if (failing) log.info('expiry sweep works again');
      failing = false;
      o.afterPass?.(removed);
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message, removed }, 'expiry sweep failed; trying again next pass');
      failing = true;
    }
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        if (!stopped) schedule(everyMs * (0.75 + Math.random() / 2));
      });
    }, ms);
    timer.unref();
  };
  schedule(Math.min(everyMs, 5000));

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
