export function baselineCommand(_args: string[], _io: unknown): number {
  throw new Error('not built yet');
}
export function compareCommand(_args: string[], _io: unknown): number {
  throw new Error('not built yet');
}
