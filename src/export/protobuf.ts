/**
 * The few protobuf wire types the export messages need, written straight into a growing buffer: a general
 * protobuf library would add reflection on every second's message and a large share of the bundle for six messages.
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint (up to 2^53, as a JS number holds exactly). */
  varint(v: number): void {
    this.room(10);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  uint(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  /** sint32/sint64: zig-zag, so small negative numbers stay short. */
  sint(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** fixed64 holding an unsigned integer (OTLP's timestamps in ns, counts). */
  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.room(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(n);
    this.room(n);
    this.pos += this.buf.write(s, this.pos);
  }

  /** A nested message, written by `write` into this buffer and then given its length. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    const bytes = inner.finish();
    this.tag(field, 2);
    this.varint(bytes.length);
    this.room(bytes.length);
    bytes.copy(this.buf, this.pos);
    this.pos += bytes.length;
  }

  /** A packed repeated field of zig-zag integers (or plain varints when `signed` is false). */
  packed(field: number, values: number[], signed: boolean): void {
    if (values.length === 0) return;
    this.message(field, (w) => {
      for (const v of values) w.varint(signed ? (v >= 0 ? v * 2 : -v * 2 - 1) : v);
    });
  }

  packedDoubles(field: number, values: number[]): void {
    if (values.length === 0) return;
    this.tag(field, 2);
    this.varint(values.length * 8);
    this.room(values.length * 8);
    for (const v of values) {
      this.buf.writeDoubleLE(v, this.pos);
      this.pos += 8;
    }
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
