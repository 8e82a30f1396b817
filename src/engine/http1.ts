import { connect, type Socket } from 'node:net';
import type { Payload, RequestPlan } from '../scenario/index.ts';
import { formatDuration } from '../scenario/index.ts';
import { judgeBody, networkReason, type Done } from './http.ts';
import { Read, ResponseReader } from './response.ts';
import type { TokenTiming } from './sse.ts';
import type { Outcome } from './types.ts';

/**
 * A lean HTTP/1.1 client for plain-http targets: one keep-alive socket per slot, each request
 * written as one buffer (one syscall), and responses read by a strict incremental reader
 * (response.ts) that keeps no more of a body than a check needs. The generator shares the
 * runner's cores with the model, so every cycle here counts.
 */

interface Pending {
  plan: RequestPlan;
  payload: Payload | null;
  scheduled: number;
  done: Done;
}

class Slot {
  socket: Socket | null = null;
  busy = false;
  // The exchange in progress.
  plan: RequestPlan | null = null;
  scheduled = 0;
  sent = 0;
  done: Done | null = null;
  readonly response = new ResponseReader();
}

export class Http1Client {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  private readonly maxSlots: number;
  private readonly clock: () => number;
  private readonly prefixes = new Map<RequestPlan, Map<string, string>>();
  private readonly fixed = new Map<RequestPlan, { data: string; buffer: Buffer }>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Every socket reads into this one buffer (onread): no stream machinery, no allocation per read. */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(origin: string, connections: number, baseHeaders: Record<string, string>, clock: () => number) {
    const url = new URL(origin);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.baseHeaders = baseHeaders;
    this.maxSlots = Math.max(1, connections);
    this.clock = clock;
    // One timer for every timeout: cheaper than a timer per request.
    this.sweeper = setInterval(() => this.sweep(), 50);
    this.sweeper.unref();
  }

  private prefixFor(plan: RequestPlan, contentType: string | null): string {
    let byType = this.prefixes.get(plan);
    if (!byType) {
      byType = new Map();
      this.prefixes.set(plan, byType);
    }
    const key = contentType ?? '';
    let prefix = byType.get(key);
    if (prefix === undefined) {
      const headers: Record<string, string> = { ...this.baseHeaders, ...plan.headers };
      const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      if (contentType && !lower.has('content-type')) headers['content-type'] = contentType;
      let text = `${plan.method} ${plan.path} HTTP/1.1\r\n`;
      if (!lower.has('host')) text += `host: ${this.hostHeader}\r\n`;
      for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
      prefix = text;
      byType.set(key, prefix);
    }
    return prefix;
  }

  /** The request as one buffer; payloads that repeat (json, file) reuse theirs. */
  private encode(plan: RequestPlan, payload: Payload | null): Buffer {
    const prefix = this.prefixFor(plan, payload?.contentType ?? null);
    if (!payload) return Buffer.from(`${prefix}\r\n`, 'latin1');
    let cached = this.fixed.get(plan);
    if (cached && cached.data === payload.data) return cached.buffer;
    const buffer = Buffer.from(
      `${prefix}content-length: ${Buffer.byteLength(payload.data)}\r\n\r\n${payload.data}`,
      'utf8',
    );
    // Updated in place: generated payloads change every request and must not allocate a record each time.
    if (!cached) this.fixed.set(plan, (cached = { data: payload.data, buffer }));
    cached.data = payload.data;
    cached.buffer = buffer;
    return buffer;
  }

  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    if (this.closed) {
      queueMicrotask(() =>
        done({ scheduled, sent: this.clock(), done: this.clock(), status: 0, bytes: 0, failure: 'aborted' }),
      );
      return;
    }
    let slot = this.idle.pop();
    if (!slot && this.slots.length < this.maxSlots) {
      slot = new Slot();
      this.slots.push(slot);
    }
    if (!slot) {
      this.queue.push({ plan, payload, scheduled, done });
      return;
    }
    this.start(slot, plan, payload, scheduled, done);
  }

  private start(slot: Slot, plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    slot.busy = true;
    slot.plan = plan;
    slot.scheduled = scheduled;
    slot.done = done;
    slot.response.reset(plan.expect, plan.method === 'HEAD', plan.stream ?? null, plan.maxTokens ?? null);
    const request = this.encode(plan, payload);
    if (!slot.socket) slot.socket = this.open(slot);
    slot.sent = this.clock();
    slot.socket.write(request);
  }

  private open(slot: Slot): Socket {
    const socket: Socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          if (slot.socket === socket) this.onData(slot, (buf as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    socket.on('error', (err) => {
      if (slot.socket !== socket) return;
      const reason = networkReason(err, slot.plan?.timeoutMs ?? 0);
      // A stream that had begun was cut off: said so, whatever the socket's error.
      this.fail(slot, slot.response.cutOff(reason), err.message);
    });
    socket.on('close', () => {
      if (slot.socket !== socket) return;
      slot.socket = null;
      // A body read until close ends here; anything else in flight was cut off.
      if (slot.busy) {
        if (slot.response.end()) this.finish(slot);
        else this.fail(slot, slot.response.midStream ? slot.response.error : 'connection reset', slot.response.error);
      }
    });
    return socket;
  }

  private onData(slot: Slot, chunk: Buffer): void {
    if (!slot.busy) return;
    const read = slot.response.feed(chunk, slot.plan?.stream ? this.clock() : 0);
    if (read === Read.Complete) this.finish(slot);
    else if (read === Read.Malformed) this.fail(slot, slot.response.error, slot.response.detail);
  }

  private finish(slot: Slot): void {
    const now = this.clock();
    const plan = slot.plan!;
    const done = slot.done!;
    const response = slot.response;
    let failure: string | null = null;
    let sample: string | undefined;
    let tokens: TokenTiming | undefined;
    if (response.kept) {
      const text = response.body().toString('utf8');
      failure = judgeBody(plan, response.status, text, response.truncated);
      if (failure) sample = text;
    } else if (plan.stream && plan.expect.accepts(response.status)) {
      const streamed = response.streamed();
      failure = streamed.failure;
      if (failure) sample = streamed.detail;
      else tokens = streamed.timing!;
    }
    const outcome: Outcome = {
      scheduled: slot.scheduled,
      sent: slot.sent,
      done: now,
      status: response.status,
      bytes: response.bytes,
      failure,
      sample,
    };
    if (tokens) outcome.tokens = tokens;
    if (response.closeAfter && slot.socket) {
      const s = slot.socket;
      slot.socket = null;
      s.destroy();
    }
    this.release(slot);
    done(outcome);
  }

  private fail(slot: Slot, reason: string, sample: string): void {
    if (!slot.busy) return;
    const done = slot.done!;
    const outcome = {
      scheduled: slot.scheduled,
      sent: slot.sent,
      done: this.clock(),
      status: 0,
      bytes: 0,
      failure: reason,
      sample,
    };
    if (slot.socket) {
      const s = slot.socket;
      slot.socket = null;
      s.destroy();
    }
    this.release(slot);
    done(outcome);
  }

  private release(slot: Slot): void {
    slot.busy = false;
    slot.plan = null;
    slot.done = null;
    slot.response.release();
    if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Pending;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      // Next tick, so a burst of completions does not grow the stack.
      queueMicrotask(() => this.start(slot, next.plan, next.payload, next.scheduled, next.done));
    } else this.idle.push(slot);
  }

  private sweep(): void {
    const now = this.clock();
    for (const slot of this.slots) {
      if (slot.busy && slot.plan && now - slot.sent > slot.plan.timeoutMs) {
        const timeout = `timeout after ${formatDuration(slot.plan.timeoutMs)}`;
        this.fail(slot, slot.response.midStream ? `${timeout}: stream without [DONE]` : timeout, '');
      }
    }
  }

  /** Lets requests in flight finish; then closes the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const slot of this.slots) slot.socket?.end();
  }

  async destroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const slot of this.slots) {
      const s = slot.socket;
      slot.socket = null;
      s?.destroy();
      slot.busy = false;
    }
  }
}
