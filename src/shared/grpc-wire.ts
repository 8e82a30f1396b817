import { connect, constants, type ClientHttp2Session } from 'node:http2';

/** What one unary gRPC call ended with: the status code (0 OK), its message, and the answer's message bytes. */
export interface GrpcAnswer {
  code: number;
  message: string;
  body: Buffer;
}

/** gRPC's status codes by number (the wire protocol's 0 to 16, in order). */
const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export const grpcCodeName = (code: number): string => CODE_NAMES[code] ?? `code ${code}`;

export const DEADLINE_EXCEEDED = 4;
/** gRPC's UNAVAILABLE: what a call that never got a status ends with (the connection failed or was lost). */
export const UNAVAILABLE = 14;

/**
 * One HTTP/2 connection to a gRPC server, made again when it is lost: gRPC's unary calls on node:http2 directly, a
 * message framed by a flag byte and a 4-byte length, the status in trailers (or in the headers of a trailers-only
 * answer). Far less per call than a general gRPC library's channel, resolver and interceptor stack.
 */
export class GrpcConnection {
  private session: ClientHttp2Session | null = null;
  private readonly authority: string;
  private readonly headers: Record<string, string>;

  constructor(authority: string, headers: Record<string, string> = {}) {
    this.authority = authority;
    this.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }

  private live(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(`http://${this.authority}`);
    // A lost connection fails its calls (each sees the stream close); the next call connects again.
    session.on('error', () => {});
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    this.session = session;
    return session;
  }

  /** Calls `path` with `message`; `done` gets the status (UNAVAILABLE, with the reason, when none came). */
  call(path: string, message: Buffer, timeoutMs: number, done: (a: GrpcAnswer) => void): void {
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = this.live().request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
        ...this.headers,
      });
    } catch (err) {
      return done({ code: UNAVAILABLE, message: (err as Error).message, body: Buffer.alloc(0) });
    }
    const chunks: Buffer[] = [];
    let status: { code: number; message: string } | null = null;
    let failure = '';
    const read = (h: Record<string, unknown>) => {
      const code = h['grpc-status'];
      if (code === undefined) return;
      const text = typeof h['grpc-message'] === 'string' ? h['grpc-message'] : '';
      status = { code: Number(code), message: safeDecode(text) };
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err: NodeJS.ErrnoException) => {
      failure ||= err.code ?? err.message;
    });
    stream.setTimeout(timeoutMs, () => {
      failure = 'DEADLINE';
      stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.on('close', () => {
      if (failure === 'DEADLINE')
        return done({ code: DEADLINE_EXCEEDED, message: 'deadline exceeded', body: Buffer.alloc(0) });
      if (!status) {
        const why = failure || `stream closed (${stream.rstCode ? `HTTP/2 code ${stream.rstCode}` : 'no status'})`;
        return done({ code: UNAVAILABLE, message: why, body: Buffer.alloc(0) });
      }
      const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const length = whole.length >= 5 ? whole.readUInt32BE(1) : 0;
      done({ ...(status as { code: number; message: string }), body: whole.subarray(5, 5 + length) });
    });
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    stream.end(frame);
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}

/** grpc-message is percent-encoded; a malformed one is kept as it came. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
