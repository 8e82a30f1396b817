// Arrival schedules and queueing:  npm run bench:arrivals   (SEEDS=5, MINUTES=10)
// For each schedule the engine can make (constant, poisson, uniform-count) at 187.5 req/s: the
// variance/mean of its counts over 1 s and 5 s windows (a Poisson process gives 1), and the p99 of
// an M/D/4 queue of 20 ms fed with it (test/helpers/queue.ts). Prints markdown for BENCHMARKS.md.
import { ArrivalSchedule } from '../src/engine/arrivals.ts';
import { Rng } from '../src/scenario/index.ts';
import { queueLatencies } from '../test/helpers/queue.ts';

const SEEDS = Number(process.env.SEEDS ?? 5);
const MINUTES = Number(process.env.MINUTES ?? 10);
const RATE = 187.5;
const span = MINUTES * 60_000;

function dispersion(times: number[], windowMs: number): number {
  const counts = new Array<number>(Math.floor(span / windowMs)).fill(0);
  for (const t of times) if (t < span) counts[Math.floor(t / windowMs)]!++;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (counts.length - 1) / mean;
}

const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
console.log(
  `Arrivals at ${RATE} req/s for ${MINUTES} min, seeds 1–${SEEDS}; queue: M/D/4, 20 ms (p99 over the whole run).\n`,
);
console.log('| arrival | variance/mean, 1 s windows | variance/mean, 5 s windows | p99 of the queue |');
console.log('|---|---|---|---|');
for (const arrival of ['poisson', 'uniform-count', 'constant'] as const) {
  const d1: number[] = [];
  const d5: number[] = [];
  const p99: number[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const s = new ArrivalSchedule([{ durationMs: span, fromRate: RATE, toRate: RATE }], 0, arrival, new Rng(seed));
    const times: number[] = [];
    for (let t = s.next(); t !== Number.POSITIVE_INFINITY; t = s.next()) times.push(t);
    d1.push(dispersion(times, 1000));
    d5.push(dispersion(times, 5000));
    const l = queueLatencies(4, 20, times).sort();
    p99.push(l[Math.floor(0.99 * (l.length - 1))]!);
  }
  console.log(`| ${arrival} | ${range(d1, 2)} | ${range(d5, 2)} | ${range(p99, 0)} ms |`);
}
