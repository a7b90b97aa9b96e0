// Clean exit on SIGTERM/SIGINT (and PM2's 'shutdown' message): run the
// composition root's close steps once, in order, within a deadline.
import type { Logger } from './logger.js';

export function onShutdown(logger: Logger, close: () => Promise<void>, deadlineMs = 15_000): void {
  let closing = false;
  const shutdown = async (reason: string) => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'shutting down');
    // From here connections are torn down on purpose, some of them to a store that
    // stopped answering: a command still queued on one rejects with nobody left to
    // hear it. That is the shutdown working, not a crash: logged, and the exit stays clean.
    process.on('unhandledRejection', (err) => logger.warn({ err: (err as Error)?.message ?? String(err) }, 'a call was cut short by the shutdown'));
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    try {
      await close();
      logger.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.on('message', (msg) => {
    if (msg === 'shutdown') void shutdown('pm2 shutdown message');
  });
}
