// The truth of a queue, by simulation: what a test compares a capacity search with.
import { Rng } from '../../src/scenario/rng.ts';

export interface QueueModel {
  /** Requests served at once. */
  servers: number;
  /** Service times to draw from (ms), e.g. those a server measured on its own clock. */
  service: number[];
}

/**
 * Each request of `seconds` of Poisson arrivals at `rate` into the queue, from empty: its arrival time and latency
 * (ms).
 */
export function queueRequests(
  model: QueueModel,
  rate: number,
  seconds: number,
  seed: number,
): Array<{ t: number; latency: number }> {
  const rng = new Rng(seed);
  const free = new Float64Array(model.servers);
  const out: Array<{ t: number; latency: number }> = [];
  for (
    let t = (-Math.log(1 - rng.next()) * 1000) / rate;
    t < seconds * 1000;
    t += (-Math.log(1 - rng.next()) * 1000) / rate
  ) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    const start = Math.max(t, free[k]!);
    free[k] = start + model.service[Math.floor(rng.next() * model.service.length)]!;
    out.push({ t, latency: free[k]! - t });
  }
  return out;
}

/**
 * Latencies (ms) of a FIFO queue with `servers` slots of `serviceMs` fed by the given arrival times (ms, ascending).
 */
export function queueLatencies(servers: number, serviceMs: number, arrivals: number[]): Float64Array {
  const free = new Float64Array(servers);
  const latency = new Float64Array(arrivals.length);
  arrivals.forEach((t, i) => {
    let k = 0;
    for (let j = 1; j < servers; j++) if (free[j]! < free[k]!) k = j;
    free[k] = Math.max(t, free[k]!) + serviceMs;
    latency[i] = free[k]! - t;
  });
  return latency;
}

/**
 * The `quantile` of latency (wait + service, ms) of a FIFO queue with `servers` slots fed by
 * Poisson arrivals at `rate` per second, over `requests` arrivals from an empty queue (the first
 * tenth left out).
 */
export function simulateQueue(
  model: QueueModel,
  rate: number,
  quantile: number,
  requests: number,
  seed: number,
): number {
  const rng = new Rng(seed);
  const free = new Float64Array(model.servers);
  const latency = new Float64Array(requests);
  let t = 0;
  for (let i = 0; i < requests; i++) {
    t += (-Math.log(1 - rng.next()) * 1000) / rate;
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    const start = Math.max(t, free[k]!);
    free[k] = start + model.service[Math.floor(rng.next() * model.service.length)]!;
    latency[i] = free[k]! - t;
  }
  const kept = latency.subarray(Math.floor(requests / 10)).sort();
  return kept[Math.min(kept.length - 1, Math.floor(quantile * kept.length))]!;
}

/**
 * The highest Poisson rate at which the latency's `quantile` stays within `limitMs`: bisection on long simulations,
 * three seeds pooled by their median.
 */
export function capacityTruth(model: QueueModel, quantile: number, limitMs: number, requests = 600_000): number {
  const mean = model.service.reduce((a, b) => a + b, 0) / model.service.length;
  let lo = 0;
  let hi = (1000 * model.servers) / mean; // saturation
  while (hi - lo > 0.001 * hi) {
    const mid = (lo + hi) / 2;
    const q = [1, 2, 3].map((s) => simulateQueue(model, mid, quantile, requests, s)).sort((a, b) => a - b)[1]!;
    if (q <= limitMs) lo = mid;
    else hi = mid;
  }
  return lo;
}
