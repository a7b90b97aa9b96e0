// Structured logs (pino), one child logger per service; request and job ids
// are added as child bindings where they are known.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel' | 'instance'>, service: string): Logger {
  return pino({
    level: config.logLevel,
    base: { service, pid: process.pid, ...(config.instance ? { instance: config.instance } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'init_data', 'refresh_token', 'access_token'], remove: true },
  });
}
