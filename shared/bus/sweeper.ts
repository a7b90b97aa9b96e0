// A periodic repair round for work that an event should have started but did
// not: the database says what must exist, and a sweep re-publishes the event
// of whatever is still missing a while after it should have happened.
//
// Events are published after the commit that makes them true, so an event can
// be lost (the bus was unreachable at that moment; Redis came back without the
// stream; an event was dead-lettered while PostgreSQL was down). The bus
// cannot know; the owner of the effect can: the matching worker finds mutual
// likes without a match, the moderation worker uploads still pending. Consumers
// are idempotent, so a re-published event that was not lost after all is
// harmless. A round that fails (PostgreSQL or Redis down) is simply tried
// again at the next one.
import type { Logger } from '../logger.js';

export interface SweeperOptions {
  /** For the logs. */
  name: string;
  logger: Logger;
  /** Pause between two rounds (± 25 %, so instances spread out). */
  everyMs: number;
  /** Pause before the first round (default: `everyMs`). */
  firstAfterMs?: number;
  /** One round; resolves with the number of events it re-published. */
  sweep(): Promise<number>;
}

export interface Sweeper {
  /** Waits for a running round, then stops. */
  stop(): Promise<void>;
}

export function startSweeper(o: SweeperOptions): Sweeper {
  const log = o.logger.child({ component: 'sweeper', sweep: o.name });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;

  const round = async () => {
    try {
      const n = await o.sweep();
      if (n) log.warn({ republished: n }, 'events re-published: their effect was missing');
      if (failing) log.info('sweep works again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message }, 'sweep failed; trying again next round');
      failing = true;
    }
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = round().finally(() => {
        running = undefined;
        if (!stopped) schedule(o.everyMs * (0.75 + Math.random() / 2));
      });
    }, ms);
    timer.unref();
  };
  schedule(o.firstAfterMs ?? o.everyMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
