/**
 * Reads an OpenAI-compatible streamed answer (Server-Sent Events) as its bytes arrive, and times
 * its tokens as vLLM's serving benchmark does (backend_request_func.py): the first event with a
 * choice is the first token (TTFT), each later one adds an inter-token latency (ITL), the answer
 * ends at its last data event, and its output tokens are `usage.completion_tokens` when the server
 * sends them, else the events that carried text. Nothing of the body is kept but a partial line
 * and the data lines of the event being read, each at most 1 MiB: past that the answer fails at once.
 */
import type { StreamProtocol } from '../scenario/index.ts';
import { chunkFields, scanChunk, type ChunkFields, type StreamEvent } from './stream-event.ts';

/** A streamed answer's tokens, on the engine clock (ms). */
export interface TokenTiming {
  /** The first data event with a choice. */
  first: number;
  /** The last data event before `[DONE]`. */
  last: number;
  /** Output tokens: the server's count when it sends usage, else events that carried text. */
  tokens: number;
  /** Time from each event with a choice to the one before it, after the first: one per event (ms). */
  gaps: number[];
}

/** Longest SSE line kept while waiting for its end, and most data one event may gather. */
export const MAX_LINE = 1024 * 1024;
export const MAX_EVENT = 1024 * 1024;

export class TokenStream {
  /** Why the stream is not a good answer; null while it is. */
  failure: string | null = null;
  /** The offending text, for a failure sample. */
  detail = '';
  /** `data: [DONE]` was read. */
  finished = false;
  /** The failure is a size limit passed: reading must stop now, not at the body's end. */
  overflow = false;

  private protocol: StreamProtocol = 'openai-chat';
  /** The request's max_tokens: a server counting more output tokens than asked for is not believed. */
  private maxTokens = Number.POSITIVE_INFINITY;
  private rest: Buffer | null = null;
  private data: string[] = [];
  /** Characters in `data`. */
  private dataSize = 0;
  private first = Number.NaN;
  private last = Number.NaN;
  private events = 0;
  private texts = 0;
  private usage = -1;
  private gaps: number[] = [];

  reset(protocol: StreamProtocol, maxTokens: number | null = null): void {
    this.protocol = protocol;
    this.maxTokens = maxTokens ?? Number.POSITIVE_INFINITY;
    this.failure = null;
    this.detail = '';
    this.finished = false;
    this.overflow = false;
    this.rest = null;
    this.data = [];
    this.dataSize = 0;
    this.first = Number.NaN;
    this.last = Number.NaN;
    this.events = 0;
    this.texts = 0;
    this.usage = -1;
    this.gaps = [];
  }

  /** Some token has arrived. */
  get started(): boolean {
    return this.events > 0;
  }

  /** Body bytes `chunk[pos, pos + n)`, read at `now`. */
  feed(chunk: Buffer, pos: number, n: number, now: number): void {
    if (this.failure !== null) return;
    let buf = chunk;
    let start = pos;
    let end = pos + n;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk.subarray(pos, end)]);
      start = 0;
      end = buf.length;
      this.rest = null;
    }
    for (let lf = buf.indexOf(10, start); lf >= 0 && lf < end; lf = buf.indexOf(10, start)) {
      const stop = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
      // `data:` lines, nearly all of a stream, are taken straight from the bytes; one that is a whole
      // event (a blank line follows in this read) is read without a string.
      if (
        stop - start >= 5 &&
        buf[start] === 100 &&
        buf[start + 1] === 97 &&
        buf[start + 2] === 116 &&
        buf[start + 3] === 97 &&
        buf[start + 4] === 58
      ) {
        const from = start + (buf[start + 5] === 32 ? 6 : 5);
        const blank =
          lf + 1 < end && buf[lf + 1] === 10
            ? lf + 2
            : lf + 2 < end && buf[lf + 1] === 13 && buf[lf + 2] === 10
              ? lf + 3
              : -1;
        if (blank > 0 && this.data.length === 0) {
          this.event(buf, from, stop, now);
          start = blank;
          if (this.failure !== null) return;
          continue;
        }
        this.pushData(buf.toString('utf8', from, stop));
      } else this.line(buf.toString('utf8', start, stop), now);
      start = lf + 1;
      if (this.failure !== null) return;
    }
    if (start < end) {
      if (end - start > MAX_LINE) return this.tooLarge(`malformed SSE: a line longer than ${MAX_LINE / 1048576} MiB`);
      this.rest = Buffer.from(buf.subarray(start, end));
    }
  }

  /** The body has ended: the answer's timing, or null with `failure` set. */
  end(): TokenTiming | null {
    if (this.failure === null && this.rest) this.line(this.rest.toString('utf8'), this.last);
    if (this.failure === null && this.data.length > 0) this.dispatch(this.last);
    if (this.failure !== null) return null;
    if (!this.finished) {
      this.fail('stream ended without [DONE]', '');
      return null;
    }
    if (this.events === 0) {
      this.fail('stream without tokens', '');
      return null;
    }
    return { first: this.first, last: this.last, tokens: this.usage >= 0 ? this.usage : this.texts, gaps: this.gaps };
  }

  private fail(reason: string, detail: string): void {
    this.failure = reason;
    this.detail = detail.slice(0, 300);
  }

  private tooLarge(reason: string): void {
    this.fail(reason, '');
    this.overflow = true;
    this.rest = null;
    this.data = [];
    this.dataSize = 0;
  }

  /** One data line of the event being read; an event gathering more than MAX_EVENT fails the answer. */
  private pushData(value: string): void {
    this.dataSize += value.length;
    if (this.dataSize > MAX_EVENT)
      return this.tooLarge(`malformed SSE: an event longer than ${MAX_EVENT / 1048576} MiB`);
    this.data.push(value);
  }

  /** One line of the event stream (WHATWG HTML §9.2.6): fields, comments, and a blank line that ends an event. */
  private line(text: string, now: number): void {
    if (text === '') return this.dispatch(now);
    if (text.charCodeAt(0) === 58) return; // ':' a comment, e.g. a keep-alive
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.pushData(value);
    else if (field !== 'event' && field !== 'id' && field !== 'retry') this.fail('malformed SSE line', text);
  }

  private dispatch(now: number): void {
    if (this.data.length === 0) return;
    const data = this.data.length === 1 ? this.data[0]! : this.data.join('\n');
    this.data.length = 0;
    this.dataSize = 0;
    this.parse(data, now);
  }

  /** An event of one data line, `buf[from, stop)`: read from the bytes when the scanner is sure, else parsed. */
  private event(buf: Buffer, from: number, stop: number, now: number): void {
    const fields = this.finished ? null : scanChunk(buf, from, stop, this.protocol === 'openai-chat');
    if (fields === null) return this.parse(buf.toString('utf8', from, stop), now);
    this.take(fields, now);
  }

  private parse(data: string, now: number): void {
    if (this.finished) return this.fail('data after [DONE]', data);
    if (data === '[DONE]') {
      this.finished = true;
      return;
    }
    let event: StreamEvent;
    try {
      event = JSON.parse(data) as StreamEvent;
    } catch {
      return this.fail('malformed SSE event: data is not JSON', data);
    }
    if (event === null || typeof event !== 'object')
      return this.fail('malformed SSE event: data is not a JSON object', data);
    if (event.error !== undefined && event.error !== null) {
      const message =
        typeof event.error === 'object' && typeof event.error.message === 'string'
          ? event.error.message
          : JSON.stringify(event.error);
      return this.fail(`stream error: ${message.slice(0, 120)}`, data);
    }
    this.take(chunkFields(event, this.protocol === 'openai-chat'), now);
  }

  private take(chunk: ChunkFields, now: number): void {
    if (chunk.choice) {
      if (this.events === 0) this.first = now;
      else this.gaps.push(now - this.last);
      this.events++;
      if (chunk.text) this.texts++;
    }
    if (chunk.usageNumber && chunk.usage < 0)
      return this.fail('usage.completion_tokens is not a token count (a whole number from 0 to 2^31 − 1)', '');
    if (chunk.usage > this.maxTokens)
      return this.fail(
        `usage.completion_tokens ${chunk.usage} is above the max_tokens asked for (${this.maxTokens})`,
        '',
      );
    if (chunk.usage >= 0) this.usage = chunk.usage;
    if (chunk.choice || chunk.usageSeen) this.last = now;
  }
}
