// How realtime nodes form one cluster.
//
// Adapter (who receives a room broadcast on other nodes):
// - Redis Streams (`@socket.io/redis-streams-adapter`, REALTIME_ADAPTER=streams,
//   the default): broadcasts are appended to one stream every node reads; it
//   keeps recent history, which is what connection state recovery replays to a
//   client that comes back (on any node) within maxDisconnectionDuration.
// - Redis sharded pub/sub (`@socket.io/redis-adapter`, REALTIME_ADAPTER=pubsub,
//   Redis ≥ 7): one channel per user room, so a broadcast reaches only the
//   nodes holding that user. No history: no connection state recovery; clients
//   catch up with GET /chat/messages/{id}?after_seq=. The only adapter on Redis
//   Cluster (config.realtime.adapter says pubsub there): each channel lives on
//   the shard of its slot, and the subscriber connection keeps one subscriber
//   per shard (ioredis `shardedSubscribers`).
// - In memory (no REDIS_URL, the all-in-one mode): one node, socket.io's own
//   session-aware adapter (recovery works within the process).
// Stream, channel and session keys live under REDIS_PREFIX.
//
// Engine.IO ids (the `sid` of every HTTP long-polling request) are
// `<tag>.<random base64url>`, tag = this node's unique tag (realtime/registry.ts);
// the tag never contains a dot. The gateway routes a polling request whose sid
// starts with `<tag>.` to that node (sticky sessions without cookies); a
// WebSocket needs no stickiness once upgraded.
import { randomBytes } from 'node:crypto';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Config } from '../shared/config.js';
import { duplicate, handleEveryCommand, isCluster, quit, type Redis, type RedisClient } from '../shared/redis.js';

export type AdapterKind = 'streams' | 'pubsub' | 'memory';

export interface ClusterAdapter {
  kind: AdapterKind;
  /** For `new Server({adapter})`; undefined = socket.io's in-memory adapter. */
  factory: unknown;
  /**
   * A broadcast to several rooms is better sent as one broadcast per room: true for
   * the sharded pub/sub adapter, which sends a one-room broadcast on that room's
   * channel (read only by the nodes holding its sockets) but a several-room one on
   * its main channel, which every node reads. The others send one entry either way.
   */
  broadcastPerRoom: boolean;
  /** Releases connections the adapter does not close itself. */
  close(): Promise<void>;
}

/** One node alone (the all-in-one mode without Redis). */
export const memoryAdapter = (): ClusterAdapter => ({ kind: 'memory', factory: undefined, broadcastPerRoom: false, close: async () => {} });

export function createClusterAdapter(config: Pick<Config, 'redisPrefix' | 'realtime'>, redis: RedisClient): ClusterAdapter {
  const prefix = config.redisPrefix;
  if (config.realtime.adapter === 'pubsub' || isCluster(redis)) {
    // Connections of their own: the adapter sends some commands without awaiting them
    // (SUNSUBSCRIBE when a socket's last room goes, SPUBLISH of a broadcast), and one sent
    // while the node stops must not leave an unhandled rejection (handleEveryCommand).
    const sub = handleEveryCommand(duplicate(redis, 'realtime-adapter-sub', { shardedSubscribers: true }));
    const pub = handleEveryCommand(duplicate(redis, 'realtime-adapter-pub', { autoPipelining: true }));
    for (const conn of [sub, pub]) {
      conn.on('error', () => {
        /* the main connection reports Redis trouble */
      });
    }
    return {
      kind: 'pubsub',
      broadcastPerRoom: true,
      factory: createShardedAdapter(pub, sub, { channelPrefix: `${prefix}socket.io`, subscriptionMode: 'dynamic' }),
      close: () => Promise.all([quit(sub), quit(pub)]).then(() => undefined),
    };
  }
  // A connection of its own, auto-pipelined: the broadcasts of one turn of the loop
  // leave in one write (the XREADs block on the adapter's own duplicates of it, one
  // command at a time each). The adapter persists a disconnected socket's session
  // without awaiting it: a socket that disconnects while the node stops must not
  // leave an unhandled rejection (handleEveryCommand).
  const client = handleEveryCommand(duplicate(redis, 'realtime-adapter', { autoPipelining: true }) as Redis);
  client.on('error', () => {
    /* the main connection reports Redis trouble */
  });
  return {
    kind: 'streams',
    broadcastPerRoom: false,
    factory: createStreamsAdapter(client, {
      streamName: `${prefix}socket.io`,
      channelPrefix: `${prefix}socket.io`,
      sessionKeyPrefix: `${prefix}sio:session:`,
      maxLen: 10_000,
      // Only bounds how long a stopping node waits for its last read.
      blockTimeInMs: 1_000,
      onlyPlaintext: true,
    }),
    close: () => quit(client),
  };
}

export function engineIdGenerator(tag: string): () => string {
  return () => `${tag}.${randomBytes(15).toString('base64url')}`;
}
