export async function startContainer(..._a: unknown[]): Promise<never> { throw new Error("x"); }
