/**
 * The few protobuf wire types the export messages need, written straight into a growing buffer: a general
 * protobuf library would add reflection on every second's message and a large share of the bundle for six messages.
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(512);
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

  /** A length-delimited field of raw bytes. */
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A packed repeated int64 field: varints, a negative one as its 64-bit two's complement (ten bytes). */
  packedInt64(field: number, values: number[]): void {
    if (values.length === 0) return;
    this.message(field, (w) => {
      for (const v of values) {
        if (v >= 0) w.varint(v);
        else {
          let x = BigInt.asUintN(64, BigInt(v));
          w.room(10);
          while (x >= 0x80n) {
            w.buf[w.pos++] = Number(x & 0x7fn) | 0x80;
            x >>= 7n;
          }
          w.buf[w.pos++] = Number(x);
        }
      }
    });
  }

  /** A packed repeated field of floats (FP32 tensor contents). */
  packedFloats(field: number, values: number[]): void {
    if (values.length === 0) return;
    this.tag(field, 2);
    this.varint(values.length * 4);
    this.room(values.length * 4);
    for (const v of values) {
      this.buf.writeFloatLE(v, this.pos);
      this.pos += 4;
    }
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
    this.tag(field, 2);
    // Written in place after room for the longest length (5 bytes), then moved up to the length's real size:
    // no buffer a nested message, which a request of tensors would otherwise allocate by the dozen.
    this.room(5);
    const at = this.pos;
    this.pos += 5;
    write(this);
    const length = this.pos - at - 5;
    let size = 1;
    for (let x = length; x >= 0x80; x = Math.floor(x / 0x80)) size++;
    if (size < 5) this.buf.copyWithin(at + size, at + 5, this.pos);
    this.pos -= 5 - size;
    const end = this.pos;
    this.pos = at;
    this.varint(length);
    this.pos = end;
  }

  /** A packed repeated field of zig-zag integers (or plain varints when `signed` is false). */
  packed(field: number, values: number[], signed: boolean): void {
    if (values.length === 0) return;
    this.message(field, (w) => {
      for (const v of values) w.varint(signed ? (v >= 0 ? v * 2 : -v * 2 - 1) : v);
    });
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** One field of a protobuf message as read: its number, wire type, and value (a number, or bytes for wire type 2). */
export interface ProtoField {
  field: number;
  wire: number;
  value: number | Buffer;
}

/**
 * The fields of one protobuf message, in order; throws on bytes that are not a message (a truncated field, a wire
 * type protobuf does not have). Nested messages are read by calling it again on a field's bytes.
 */
export function readFields(buf: Buffer): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new Error('varint longer than 10 bytes');
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new Error('field number 0');
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > buf.length) throw new Error('truncated fixed field');
      out.push({ field, wire, value: wire === 1 ? buf.readDoubleLE(pos) : buf.readFloatLE(pos) });
      pos += n;
    } else if (wire === 2) {
      const n = varint();
      if (pos + n > buf.length) throw new Error('truncated length-delimited field');
      out.push({ field, wire, value: buf.subarray(pos, pos + n) });
      pos += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
