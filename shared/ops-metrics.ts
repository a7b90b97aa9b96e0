// Metrics for the dashboards and alerts in ops/ that no single request
// produces: read when Prometheus scrapes, from what the process already holds.
// - store_up: whether PostgreSQL and Redis answer this process (the probes /ready runs);
// - bus_stream_length, bus_group_pending, bus_group_lag, bus_dead_letters: the
//   event streams as Redis holds them (what XINFO GROUPS and XLEN answer);
// - realtime_sockets: the sockets each realtime node holds.
// A part registers a source and removes it when it stops, so several platforms
// in one process (the tests) each report their own and a stopped one drops out.
import client from 'prom-client';
import { withTimeout } from './with-timeout.js';
import type { Probe } from './http/health.js';

type Labels = Record<string, string>;
type Source = (set: (labels: Labels, value: number) => void) => Promise<void> | void;

function scrapedGauge(name: string, help: string, labelNames: string[]) {
  const sources = new Set<Source>();
  const existing = client.register.getSingleMetric(name);
  if (existing) client.register.removeSingleMetric(name);
  new client.Gauge({
    name,
    help,
    labelNames,
    async collect() {
      this.reset();
      // A source that fails (its store is down) reports nothing: store_up says why.
      await Promise.all([...sources].map((s) => Promise.resolve(s((labels, v) => this.set(labels, v))).catch(() => {})));
    },
  });
  return (source: Source) => {
    sources.add(source);
    return () => void sources.delete(source);
  };
}

const storeUp = scrapedGauge('store_up', 'Whether a store answers this process within 2 s (1) or not (0), as /ready checks it', ['service', 'store']);
const streamLength = scrapedGauge('bus_stream_length', 'Entries an event stream holds (XLEN)', ['stream']);
const groupPending = scrapedGauge('bus_group_pending', 'Events a consumer group has read and not yet acked', ['stream', 'group']);
const groupLag = scrapedGauge('bus_group_lag', 'Events on a stream a consumer group has not read yet', ['stream', 'group']);
const deadLetters = scrapedGauge('bus_dead_letters', 'Entries on the dead-letter stream', []);
const sockets = scrapedGauge('realtime_sockets', 'Sockets connected to a realtime node', ['node']);

/** What a bus over Redis Streams tells about its streams. */
export interface StreamStats {
  stream: string;
  length: number;
  groups: { group: string; pending: number; lag: number }[];
}

export interface StreamStatsSource {
  streamStats(): Promise<{ streams: StreamStats[]; deadLetters: number }>;
}

/** The stores and, over Redis, the streams of one platform; returns its unregister. */
export function watchPlatform(service: string, probes: Record<string, Probe>, bus: Partial<StreamStatsSource>): () => void {
  const offs = [
    storeUp(async (set) => {
      await Promise.all(
        Object.entries(probes).map(([store, probe]) =>
          withTimeout(Promise.resolve().then(probe), 2000, store).then(
            () => set({ service, store }, 1),
            () => set({ service, store }, 0),
          ),
        ),
      );
    }),
  ];
  if (bus.streamStats) {
    // One round to Redis per scrape, shared by the four gauges that read it.
    let round: Promise<Awaited<ReturnType<StreamStatsSource['streamStats']>>> | undefined;
    const stats = () => {
      round ??= bus.streamStats!().finally(() => setTimeout(() => (round = undefined), 500).unref());
      return round;
    };
    offs.push(
      streamLength(async (set) => {
        for (const s of (await stats()).streams) set({ stream: s.stream }, s.length);
      }),
      groupPending(async (set) => {
        for (const s of (await stats()).streams) for (const g of s.groups) set({ stream: s.stream, group: g.group }, g.pending);
      }),
      groupLag(async (set) => {
        for (const s of (await stats()).streams) for (const g of s.groups) set({ stream: s.stream, group: g.group }, g.lag);
      }),
      deadLetters(async (set) => set({}, (await stats()).deadLetters)),
    );
  }
  return () => offs.forEach((off) => off());
}

/** A realtime node's socket count; returns its unregister. */
export function watchSockets(node: string, count: () => number): () => void {
  return sockets((set) => set({ node }, count()));
}
