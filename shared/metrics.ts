// Prometheus metrics of the process, made once per name: a module that a test
// runner evaluates twice in one process (once through require, once through
// import) gets the metric its first evaluation registered instead of a
// "already registered" error. Every module-level metric is made here.
import client from 'prom-client';

export function counter<T extends string>(cfg: client.CounterConfiguration<T>): client.Counter<T> {
  return (client.register.getSingleMetric(cfg.name) as client.Counter<T> | undefined) ?? new client.Counter(cfg);
}

export function histogram<T extends string>(cfg: client.HistogramConfiguration<T>): client.Histogram<T> {
  return (client.register.getSingleMetric(cfg.name) as client.Histogram<T> | undefined) ?? new client.Histogram(cfg);
}
