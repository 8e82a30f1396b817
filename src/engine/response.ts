import type { Expectation, StreamProtocol } from '../scenario/index.ts';
import { TokenStream, type TokenTiming } from './sse.ts';

/**
 * Reads one HTTP/1.1 response as it arrives (RFC 9112), strictly as llhttp does: a status line
 * and headers it cannot parse, a bad chunk or a body cut short are failures, never successes.
 * Interim 1xx responses are skipped. Only what a check needs of the body is kept (up to
 * MAX_KEPT_BODY); the rest is counted and dropped, so a huge body costs no memory.
 */

/** Largest status line plus headers (and chunked trailers) read. */
export const MAX_HEAD = 64 * 1024;
/** Body bytes kept for `expect.json` checks and failure samples; longer bodies are counted, not kept. */
export const MAX_KEPT_BODY = 1024 * 1024;
/** Longest chunk-size line (size and extensions). */
const MAX_CHUNK_LINE = 4096;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/(0\.9|1\.0|1\.1|2\.0) ([1-9][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/;
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"';
const CHUNK_LINE = new RegExp(
  `^([0-9A-Fa-f]{1,13})(?:[\\t ]*;[\\t ]*${TOKEN}(?:[\\t ]*=[\\t ]*(?:${TOKEN}|${QUOTED}))?)*$`,
);

const State = {
  Head: 0,
  Length: 1,
  ChunkLine: 2,
  ChunkData: 3,
  ChunkEnd: 4,
  Trailers: 5,
  UntilClose: 6,
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * What one call to `feed` found: more bytes are needed, the response is complete, or it is malformed (`error` says
 * how).
 */
export const Read = { More: 0, Complete: 1, Malformed: 2 } as const;
export type Read = (typeof Read)[keyof typeof Read];

export class ResponseReader {
  status = 0;
  /** Body bytes received (after chunked decoding). */
  bytes = 0;
  /** The connection must not be reused after this response. */
  closeAfter = false;
  /** Why the response is malformed or cut short, in words a report can group by. */
  error = '';
  /** The offending bytes, for a failure sample. */
  detail = '';
  /** Kept body bytes (when keeping), at most MAX_KEPT_BODY. */
  kept: Buffer[] | null = null;
  keptBytes = 0;
  /** The body was longer than what was kept. */
  truncated = false;
  /** The response's media type, lower case, without parameters. */
  contentType = '';
  /** A streamed answer's tokens, read as they arrive (when the request streams and its status is accepted). */
  readonly tokens = new TokenStream();
  private streamAs: StreamProtocol | null = null;
  private maxTokens: number | null = null;
  private streaming = false;
  /** Engine clock at the bytes being fed: when their tokens arrived. */
  private now = 0;

  private state: State = State.Head;
  private head: Buffer | null = null;
  private noBody = false;
  private remaining = 0;
  private line = '';
  private expect: Expectation | null = null;

  /**
   * Ready for the response to a new request; the body is kept when the status fails `expect` or JSON fields are to be
   * checked.
   */
  reset(
    expect: Expectation,
    headRequest: boolean,
    stream: StreamProtocol | null = null,
    maxTokens: number | null = null,
  ): void {
    this.streamAs = stream;
    this.maxTokens = maxTokens;
    this.streaming = false;
    this.contentType = '';
    this.status = 0;
    this.bytes = 0;
    this.closeAfter = false;
    this.error = '';
    this.detail = '';
    this.expect = expect;
    this.kept = null;
    this.keptBytes = 0;
    this.truncated = false;
    this.state = State.Head;
    this.head = null;
    this.noBody = headRequest;
    this.remaining = 0;
    this.line = '';
  }

  /** Lets go of the kept body once the outcome is recorded (up to 1 MiB a slot while idle otherwise). */
  release(): void {
    this.kept = null;
  }

  /** The body kept so far. */
  body(): Buffer {
    return this.kept ? Buffer.concat(this.kept, this.keptBytes) : Buffer.alloc(0);
  }

  /**
   * Reads the next bytes of the connection. `chunk` may be a view of a reused buffer: what is
   * kept is copied. Bytes after a complete response mean the server sent more than it was asked
   * for: the connection is closed after it.
   */
  feed(chunk: Buffer, now = 0): Read {
    this.now = now;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.streaming && this.tokens.overflow) return this.fail(this.tokens.failure!);
      switch (this.state) {
        case State.Head: {
          const buf = this.head ? Buffer.concat([this.head, chunk.subarray(pos)]) : chunk.subarray(pos);
          // Empty lines before the status line are skipped, as llhttp does.
          let start = 0;
          while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
          const end = buf.indexOf(CRLFCRLF, start);
          if (end < 0) {
            if (buf.length - start > MAX_HEAD) return this.fail(`response headers larger than ${MAX_HEAD / 1024} KiB`);
            this.head = Buffer.from(buf.subarray(start));
            return Read.More;
          }
          if (end - start > MAX_HEAD) return this.fail(`response headers larger than ${MAX_HEAD / 1024} KiB`);
          this.head = null;
          if (!this.parseHead(buf.toString('latin1', start, end))) return Read.Malformed;
          // Continue in buf, which may hold bytes from an earlier chunk: restart on its tail.
          chunk = buf.subarray(end + 4);
          pos = 0;
          if ((this.state as State) === State.Done) return this.complete(chunk.length);
          break;
        }
        case State.Length:
          pos = this.takeRemaining(chunk, pos);
          if (this.remaining === 0) return this.complete(chunk.length - pos);
          break;
        case State.UntilClose:
          this.take(chunk, pos, chunk.length - pos);
          pos = chunk.length;
          break;
        case State.ChunkLine:
        case State.Trailers: {
          if (this.state === State.ChunkLine && this.line === '') {
            // The common line, a bare hex size and CRLF within this read: read off the bytes, no string.
            let i = pos;
            let size = 0;
            while (i < chunk.length && i - pos <= 13) {
              const c = chunk[i]!;
              const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
              if (v < 0) break;
              size = size * 16 + v;
              i++;
            }
            if (i > pos && i - pos <= 13 && i + 1 < chunk.length && chunk[i] === 13 && chunk[i + 1] === 10) {
              pos = i + 2;
              this.remaining = size;
              this.state = size === 0 ? State.Trailers : State.ChunkData;
              break;
            }
          }
          const lf = chunk.indexOf(10, pos);
          const stop = lf < 0 ? chunk.length : lf + 1;
          this.line += chunk.toString('latin1', pos, stop);
          pos = stop;
          const limit = this.state === State.ChunkLine ? MAX_CHUNK_LINE : MAX_HEAD;
          if (this.line.length > limit)
            return this.fail(
              this.state === State.ChunkLine
                ? 'malformed chunked body: chunk size line too long'
                : 'chunked trailers too large',
            );
          if (lf < 0) break;
          if (!this.line.endsWith('\r\n')) return this.fail('malformed chunked body: bare LF');
          const text = this.line.slice(0, -2);
          this.line = '';
          if (this.state === State.ChunkLine) {
            const m = CHUNK_LINE.exec(text);
            if (!m) return this.fail('malformed chunked body: bad chunk size', text.slice(0, 200));
            this.remaining = parseInt(m[1]!, 16);
            this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          } else if (text === '') {
            return this.complete(chunk.length - pos);
          } else if (!HEADER_LINE.test(text)) return this.fail('malformed chunked trailer');
          break;
        }
        case State.ChunkData:
          pos = this.takeRemaining(chunk, pos);
          if (this.remaining === 0) {
            this.state = State.ChunkEnd;
            this.line = '';
          }
          break;
        case State.ChunkEnd: {
          // Exactly CRLF after each chunk's data.
          const expected = this.line.length === 0 ? 13 : 10;
          if (chunk[pos] !== expected) return this.fail('malformed chunked body: no CRLF after chunk data');
          pos++;
          if (expected === 13) this.line = '\r';
          else {
            this.line = '';
            this.state = State.ChunkLine;
          }
          break;
        }
        case State.Done:
          return this.complete(chunk.length - pos);
      }
    }
    if (this.streaming && this.tokens.overflow) return this.fail(this.tokens.failure!);
    return Read.More;
  }

  /** A stream of tokens is being read and has begun. */
  get midStream(): boolean {
    return this.streaming && this.tokens.started;
  }

  /** Why the exchange ended early, said as a stream cut off when tokens had begun to arrive. */
  cutOff(reason: string): string {
    return this.midStream ? `stream cut off: ${reason} mid-stream` : reason;
  }

  /**
   * A complete response to a streaming request whose status was accepted: the tokens' timing, or why
   * it is no good answer (not a stream at all, a broken one, or one without `[DONE]`).
   */
  streamed(): { timing: TokenTiming | null; failure: string | null; detail: string } {
    if (!this.streaming)
      return {
        timing: null,
        failure: `not a stream: answered ${this.contentType || 'without a content-type'}`,
        detail: '',
      };
    const timing = this.tokens.end();
    return { timing, failure: this.tokens.failure, detail: this.tokens.detail };
  }

  /** The server closed the connection: true when that ends the response (a body read until close). */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      return true;
    }
    if (this.state !== State.Done) {
      this.error =
        this.state === State.Head && !this.head
          ? 'connection closed before a response'
          : this.midStream
            ? this.cutOff('connection closed')
            : 'connection closed mid-response';
    }
    return false;
  }

  private fail(reason: string, detail = ''): Read {
    this.error = reason;
    this.detail = detail;
    this.closeAfter = true;
    return Read.Malformed;
  }

  private complete(leftover: number): Read {
    this.state = State.Done;
    if (leftover > 0) this.closeAfter = true;
    return Read.Complete;
  }

  /** Takes up to `remaining` body bytes (of a length-framed body or a chunk); returns where reading goes on. */
  private takeRemaining(chunk: Buffer, pos: number): number {
    const n = Math.min(this.remaining, chunk.length - pos);
    this.take(chunk, pos, n);
    this.remaining -= n;
    return pos + n;
  }

  private take(chunk: Buffer, pos: number, n: number): void {
    if (n === 0) return;
    this.bytes += n;
    if (this.streaming) this.tokens.feed(chunk, pos, n, this.now);
    if (!this.kept) return;
    const room = MAX_KEPT_BODY - this.keptBytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = Buffer.from(chunk.subarray(pos, pos + Math.min(room, n)));
    this.kept.push(part);
    this.keptBytes += part.length;
    if (n > room) this.truncated = true;
  }

  /** Status line and headers; sets the body's framing (RFC 9112 §6.3). False when malformed. */
  private parseHead(head: string): boolean {
    this.contentType = '';
    const lines = head.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) {
      this.fail('malformed HTTP status line', lines[0]!.slice(0, 200));
      return false;
    }
    const version = m[1]!;
    const status = Number(m[2]);
    let length = -1;
    let chunked = false;
    let codings = false;
    let close = version === '1.0' || version === '0.9';
    for (let i = 1; i < lines.length; i++) {
      const h = HEADER_LINE.exec(lines[i]!);
      if (!h) {
        this.fail('malformed HTTP response header', lines[i]!.slice(0, 200));
        return false;
      }
      const name = h[1]!.toLowerCase();
      const value = h[2]!;
      if (name === 'content-length') {
        if (!/^[0-9]{1,15}$/.test(value) || (length >= 0 && length !== Number(value))) {
          this.fail('malformed HTTP content-length', value.slice(0, 200));
          return false;
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        // The final coding decides: chunked only when it is last.
        const list = value
          .split(',')
          .map((c) => c.trim().toLowerCase())
          .filter(Boolean);
        if (list.length > 0) {
          codings = true;
          chunked = list[list.length - 1] === 'chunked';
        }
      } else if (name === 'content-type') {
        this.contentType = value.split(';')[0]!.trim().toLowerCase();
      } else if (name === 'connection') {
        const tokens = value
          .toLowerCase()
          .split(',')
          .map((t) => t.trim());
        if (tokens.includes('close')) close = true;
        else if (tokens.includes('keep-alive')) close = false;
      }
    }
    if (status < 200 && status !== 101) {
      // Interim response: the final one follows.
      return true;
    }
    this.status = status;
    this.closeAfter = close;
    const expect = this.expect!;
    if (!expect.accepts(status) || expect.jsonFields.length > 0) this.kept = [];
    if (this.streamAs && expect.accepts(status) && this.contentType === 'text/event-stream') {
      this.streaming = true;
      this.tokens.reset(this.streamAs, this.maxTokens);
    }
    if (status === 101) {
      // Switching protocols: nothing more of HTTP/1.1 on this connection.
      this.closeAfter = true;
      this.state = State.Done;
    } else if (this.noBody || status === 204 || status === 304) this.state = State.Done;
    else if (codings) {
      this.state = chunked ? State.ChunkLine : State.UntilClose;
      if (!chunked) this.closeAfter = true;
    } else if (length >= 0) this.state = length === 0 ? State.Done : State.Length;
    else {
      this.state = State.UntilClose;
      this.closeAfter = true;
    }
    this.remaining = length > 0 && this.state === State.Length ? length : 0;
    return true;
  }
}
