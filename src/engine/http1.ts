import { connect, type Socket } from 'node:net';
import type { Payload, RequestPlan } from '../scenario/types.ts';
import { formatDuration } from '../scenario/units.ts';
import { judgeBody, networkReason, type Done } from './http.ts';

/**
 * A lean HTTP/1.1 client for plain-http targets: one keep-alive socket per slot, each request
 * written as one buffer (one syscall), and responses parsed just enough to find status and
 * length. The generator shares the runner's cores with the model, so every cycle here counts.
 */

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

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
  // Response parsing state.
  head: Buffer | null = null;
  status = 0;
  headDone = false;
  remaining = -1; // content-length left; -1 unknown
  chunked = false;
  closeAfter = false;
  keep: Buffer[] | null = null;
  bytes = 0;
  raw: Buffer | null = null; // chunked body bytes, decoded at the end
}

export class Http1Target {
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
    const buffer = Buffer.from(`${prefix}content-length: ${Buffer.byteLength(payload.data)}\r\n\r\n${payload.data}`, 'utf8');
    // Updated in place: generated payloads change every request and must not allocate a record each time.
    if (!cached) this.fixed.set(plan, (cached = { data: payload.data, buffer }));
    cached.data = payload.data;
    cached.buffer = buffer;
    return buffer;
  }

  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    if (this.closed) {
      queueMicrotask(() => done({ scheduled, sent: this.clock(), done: this.clock(), status: 0, bytes: 0, failure: 'aborted' }));
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
    slot.head = null;
    slot.status = 0;
    slot.headDone = false;
    slot.remaining = -1;
    slot.chunked = false;
    slot.closeAfter = false;
    slot.keep = null;
    slot.bytes = 0;
    slot.raw = null;
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
      if (slot.socket === socket) this.fail(slot, networkReason(err, slot.plan?.timeoutMs ?? 0), err.message);
    });
    socket.on('close', () => {
      if (slot.socket !== socket) return;
      // A close-delimited body ends here; anything else in flight was cut off.
      if (slot.busy && slot.headDone && slot.remaining === -1 && !slot.chunked) this.finish(slot);
      else if (slot.busy) this.fail(slot, 'connection reset', 'the server closed the connection');
      slot.socket = null;
    });
    return socket;
  }

  private onData(slot: Slot, chunk: Buffer): void {
    if (!slot.busy) return;
    let body: Buffer;
    if (!slot.headDone) {
      const head = slot.head ? Buffer.concat([slot.head, chunk]) : chunk;
      const end = head.indexOf(CRLFCRLF);
      if (end < 0) {
        if (head.length > MAX_HEAD) return this.fail(slot, 'response headers too large', '');
        // The read buffer is reused: keep a copy.
        slot.head = slot.head ? head : Buffer.from(head);
        return;
      }
      slot.head = null;
      if (!this.parseHead(slot, head, end)) return;
      body = head.subarray(end + 4);
    } else body = chunk;
    if (body.length > 0) this.onBody(slot, body);
    else if (slot.remaining === 0) this.finish(slot);
  }

  /** Status line and the three headers that matter; false when the head is not HTTP. */
  private parseHead(slot: Slot, head: Buffer, end: number): boolean {
    // "HTTP/1.1 200 ..."
    const s0 = head[9]! - 48;
    const s1 = head[10]! - 48;
    const s2 = head[11]! - 48;
    if (head[0] !== 72 || s0 < 1 || s0 > 5 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) {
      this.fail(slot, 'malformed HTTP response', head.toString('latin1', 0, Math.min(end, 200)));
      return false;
    }
    slot.status = s0 * 100 + s1 * 10 + s2;
    slot.headDone = true;
    // Scan header lines by their first byte; only c(ontent-length|onnection) and t(ransfer-encoding) matter.
    let pos = head.indexOf(10) + 1;
    while (pos < end) {
      let eol = head.indexOf(13, pos);
      if (eol < 0 || eol > end) eol = end;
      const first = head[pos]! | 0x20;
      if (first === 99 || first === 116) {
        const colon = head.indexOf(58, pos);
        if (colon > 0 && colon < eol) {
          const name = head.toString('latin1', pos, colon).toLowerCase();
          if (name === 'content-length') slot.remaining = Number(head.toString('latin1', colon + 1, eol));
          else if (name === 'transfer-encoding') slot.chunked = head.toString('latin1', colon + 1, eol).toLowerCase().includes('chunked');
          else if (name === 'connection') slot.closeAfter = head.toString('latin1', colon + 1, eol).trim().toLowerCase() === 'close';
        }
      }
      pos = eol + 2;
    }
    if (slot.chunked) slot.remaining = -1;
    const plan = slot.plan!;
    if (plan.method === 'HEAD' || slot.status === 204 || slot.status === 304) slot.remaining = 0;
    if (!plan.expect.accepts(slot.status) || plan.expect.jsonFields.length > 0) slot.keep = [];
    return true;
  }

  private onBody(slot: Slot, body: Buffer): void {
    if (slot.chunked) {
      slot.raw = slot.raw ? Buffer.concat([slot.raw, body]) : Buffer.from(body);
      const decoded = decodeChunked(slot.raw);
      if (decoded) {
        slot.bytes = decoded.length;
        if (slot.keep) slot.keep.push(decoded);
        this.finish(slot);
      }
      return;
    }
    slot.bytes += body.length;
    if (slot.keep) slot.keep.push(Buffer.from(body));
    if (slot.remaining >= 0) {
      slot.remaining -= body.length;
      if (slot.remaining <= 0) this.finish(slot);
    }
  }

  private finish(slot: Slot): void {
    const now = this.clock();
    const plan = slot.plan!;
    const done = slot.done!;
    let failure: string | null = null;
    let sample: string | undefined;
    if (slot.keep) {
      const text = Buffer.concat(slot.keep).toString('utf8');
      failure = judgeBody(plan, slot.status, text);
      if (failure) sample = text;
    }
    const outcome = { scheduled: slot.scheduled, sent: slot.sent, done: now, status: slot.status, bytes: slot.bytes, failure, sample };
    if (slot.closeAfter && slot.socket) {
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
    const outcome = { scheduled: slot.scheduled, sent: slot.sent, done: this.clock(), status: 0, bytes: 0, failure: reason, sample };
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
    slot.keep = null;
    slot.raw = null;
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
      if (slot.busy && slot.plan && now - slot.sent > slot.plan.timeoutMs) this.fail(slot, `timeout after ${formatDuration(slot.plan.timeoutMs)}`, '');
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

/** The body of a complete chunked message, or null when more bytes are needed. */
export function decodeChunked(raw: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', pos);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(raw.toString('latin1', pos, lineEnd).split(';')[0]!, 16);
    if (Number.isNaN(size)) return Buffer.alloc(0);
    pos = lineEnd + 2;
    if (size === 0) {
      // Trailers end with an empty line.
      return raw.indexOf('\r\n', pos) >= 0 ? Buffer.concat(parts) : null;
    }
    if (raw.length < pos + size + 2) return null;
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
}
