// The process side of bench/lib/generator.ts: imports the generator module
// named on the command line and runs its exported functions as the parent asks.
import { pathToFileURL } from 'node:url';

const mod = (await import(pathToFileURL(process.argv[2]).href)) as Record<string, (args: unknown) => unknown>;

process.on('message', async (m: { id: number; fn: string; args: unknown }) => {
  try {
    const f = mod[m.fn];
    if (typeof f !== 'function') throw new Error(`no generator function ${m.fn}`);
    process.send!({ id: m.id, value: (await f(m.args)) ?? null });
  } catch (err) {
    process.send!({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
process.once('SIGTERM', () => process.exit(0));
process.send!('ready');
