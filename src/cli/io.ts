/** Where the CLI writes: stdout for results, stderr for progress and messages. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}
