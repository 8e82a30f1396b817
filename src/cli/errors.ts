export const EXIT = { ok: 0, fail: 1, usage: 2, target: 3 } as const;

/** Bad arguments: exit 2 with the usage text. */
export class UsageError extends Error {}
