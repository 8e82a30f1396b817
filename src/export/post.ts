import type { Agent, IncomingMessage, request as Request } from 'node:http';
import { PostError } from './sender.ts';

/** One post's time at most: a hung endpoint is retried, not waited on. */
export const POST_TIMEOUT_MS = 5_000;

export interface Poster {
  post(body: Buffer, stop: AbortSignal): Promise<void>;
  /** Closes the kept-alive connection. */
  close(): void;
}

/**
 * POSTs to one endpoint over node:http, one kept-alive connection. Not fetch: the first fetch loads undici, about
 * 90 ms of CPU in a run that otherwise spends none on it, and each later one costs ~4 ms against ~0.5 ms here.
 * An error says whether trying again may help, and never repeats a header (credentials).
 */
export function poster(url: string, headers: Record<string, string>, timeoutMs = POST_TIMEOUT_MS): Poster {
  const target = new URL(url);
  // Loaded on the first post, not at start: node:https alone costs 10-20 ms of CPU to load.
  let transport: Promise<{ agent: Agent; request: typeof Request }> | null = null;
  const load = async () => {
    const m = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return { agent: new m.Agent({ keepAlive: true, maxSockets: 1 }), request: m.request };
  };
  return {
    close: () => void transport?.then((t) => t.agent.destroy()),
    post: async (body, stop) => {
      const { agent, request } = await (transport ??= load());
      return new Promise<void>((resolve, reject) => {
        const req = request(
          target,
          { method: 'POST', agent, signal: stop, headers: { ...headers, 'content-length': String(body.length) } },
          (res) => answer(res).then(resolve, reject),
        );
        const timer = setTimeout(
          () => req.destroy(new PostError(`no answer within ${timeoutMs / 1000} s`, true)),
          timeoutMs,
        );
        req.on('close', () => clearTimeout(timer));
        req.on('error', (err: Error & { code?: string }) => {
          if (err instanceof PostError) reject(err);
          else if (err.name === 'AbortError') reject(new PostError('not sent: the run ended first', false));
          else reject(new PostError(err.code ?? err.message, true));
        });
        req.end(body);
      });
    },
  };
}

/** A 2xx is read and done; otherwise the start of the body goes into the error. 5xx and 429 may succeed later. */
function answer(res: IncomingMessage): Promise<void> {
  const status = res.statusCode ?? 0;
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      if (text.length < 400) text += c;
    });
    res.on('error', (err: Error) => reject(new PostError(err.message, true)));
    res.on('end', () => {
      if (status >= 200 && status < 300) return resolve();
      const start = text.slice(0, 200).replace(/\s+/g, ' ').trim();
      reject(new PostError(`HTTP ${status}${start ? `: ${start}` : ''}`, status >= 500 || status === 429));
    });
  });
}
