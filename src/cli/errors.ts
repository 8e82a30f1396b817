/** Exit codes: CI tells a failed gate (1) from bad input (2), a target that failed (3) and a bug of ours (4). */
export const EXIT = { ok: 0, fail: 1, usage: 2, target: 3, internal: 4 } as const;

/** Bad arguments: exit 2 with the usage text. */
export class UsageError extends Error {}
