// Names from files and servers (request names, reasons) are data, not property names: `constructor`
// or `__proto__` must read and write as any other name, never reach Object.prototype.

/** `record[key]` when it is the record's own property; undefined otherwise. */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets `record[key]` as an own property, even for `__proto__`. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
