// The event bus: Redis Streams, or in memory for the all-in-one process
// without Redis. shared/platform.ts picks one.
export * from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { RedisStreamsBus } from './redis-bus.js';
