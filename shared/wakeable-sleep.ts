// A sleep that news cuts short: the pause of a loop that polls (the memory
// bus's consumers between reads, the chat client between catch-up tries) ends
// early when its owner calls wake(). Timers only, no Node API: the web client
// bundles it too.

export interface WakeableSleep {
  /** Settles after `ms`, or at once on wake(). */
  done: Promise<void>;
  /** Ends the sleep now; harmless once it has ended. */
  wake(): void;
}

export function wakeableSleep(ms: number): WakeableSleep {
  let wake!: () => void;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(end, ms);
    function end() {
      clearTimeout(timer);
      resolve();
    }
    wake = end;
  });
  return { done, wake };
}
