// A pino logger whose lines a test reads: for behaviour whose only outward
// sign is a log line (a warning at start, a relay that gives up a round).
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose lines at `level` and worse land, parsed, in `lines` (a line that is not JSON as a fatal one). */
export function capturingLogger<L extends { level: number } = LogLine>(lines: L[], level: pino.Level = 'warn', base: Record<string, unknown> = {}): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          lines.push(JSON.parse(line) as L);
        } catch {
          lines.push({ level: 60, msg: line } as unknown as L);
        }
      }
      done();
    },
  });
  return pino({ level, base }, stream);
}
