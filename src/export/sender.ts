import { setTimeout as sleep } from 'node:timers/promises';
import type { ExportSample } from './series.ts';

/** A failed post: whether trying again may help (a 5xx, a 429, the network), and what went wrong, without secrets. */
export class PostError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** What an endpoint got: samples sent and dropped (never silently), retries, and the last error seen. */
export interface SenderFigures {
  batches_sent: number;
  samples_sent: number;
  samples_dropped: number;
  retries: number;
  last_error: string | null;
}

export interface SenderOptions {
  /** Batches waiting at most (a second's samples each); past it the oldest are dropped and counted. */
  maxQueued: number;
  /** Tries per batch before it is dropped. */
  attempts: number;
  /** The first back-off; doubled per try, at most `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const SENDER_DEFAULTS: SenderOptions = { maxQueued: 120, attempts: 5, backoffMs: 250, maxBackoffMs: 4000 };

/**
 * Posts batches in order, one at a time, off the load's path: `enqueue` never waits, a slow or failing endpoint fills
 * a bounded queue, and what cannot be sent is dropped and counted, so an export never slows the load or fails the run.
 */
export class Sender {
  private readonly queue: ExportSample[][] = [];
  private readonly figures: SenderFigures = {
    batches_sent: 0,
    samples_sent: 0,
    samples_dropped: 0,
    retries: 0,
    last_error: null,
  };
  private running: Promise<void> | null = null;
  private readonly stop = new AbortController();

  private readonly post: (batch: ExportSample[], signal: AbortSignal) => Promise<void>;
  private readonly options: SenderOptions;

  constructor(post: (batch: ExportSample[], signal: AbortSignal) => Promise<void>, options = SENDER_DEFAULTS) {
    this.post = post;
    this.options = options;
  }

  enqueue(batch: ExportSample[]): void {
    if (batch.length === 0 || this.stop.signal.aborted) return;
    this.queue.push(batch);
    while (this.queue.length > this.options.maxQueued) this.figures.samples_dropped += this.queue.shift()!.length;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      // Taken off the queue while in flight: only batches still waiting are dropped when it overflows.
      const batch = this.queue.shift()!;
      if (await this.send(batch)) {
        this.figures.batches_sent++;
        this.figures.samples_sent += batch.length;
      } else this.figures.samples_dropped += batch.length;
    }
  }

  private async send(batch: ExportSample[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(batch, this.stop.signal);
        return true;
      } catch (err) {
        const e = err instanceof PostError ? err : new PostError((err as Error).message, true);
        // A post cut short at the end says nothing new: the error that kept it waiting is the one to report.
        if (!this.stop.signal.aborted || this.figures.last_error === null) this.figures.last_error = e.message;
        if (!e.retryable || attempt >= this.options.attempts || this.stop.signal.aborted) return false;
        this.figures.retries++;
        const wait = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
        await sleep(wait, undefined, { signal: this.stop.signal }).catch(() => {});
      }
    }
  }

  /** Waits for the queue to empty, at most `withinMs`; whatever is left then is dropped and counted. */
  async close(withinMs: number): Promise<SenderFigures> {
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
      await Promise.race([this.running, late]);
      clearTimeout(timer);
    }
    this.stop.abort();
    await this.running;
    for (const batch of this.queue.splice(0)) this.figures.samples_dropped += batch.length;
    return { ...this.figures };
  }
}
