// Waiting in tests for something that polling can see (a row, a count, a file,
// an answer). A socket's next event has its own waiter, nextEvent() in
// sockets.ts. A negative assertion waits first for a positive signal that the
// work was done (a later event, a counter), never for a fixed time.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Falsy = false | 0 | '' | null | undefined;

export interface WaitOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** A probe that throws counts as "not yet" (a server that is down on purpose); otherwise the error fails the wait at once. */
  untilNoError?: boolean;
}

/**
 * Polls `probe` until it returns something truthy and resolves with that; fails
 * naming `what` after the timeout (a number is the timeout in ms, default 10 s).
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, opts: number | WaitOptions = {}): Promise<Exclude<T, Falsy>> {
  const { timeoutMs = 10_000, everyMs = 25, untilNoError = false } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as Exclude<T, Falsy>;
    } catch (err) {
      if (!untilNoError) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? lastError})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(everyMs);
  }
}
