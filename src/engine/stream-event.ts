/**
 * What the SSE reader needs of one streamed chunk's JSON, read straight from its bytes: whether it
 * has a choice, whether that choice carries text, and the usage's completion_tokens. One chunk per
 * token makes JSON.parse (its objects, its interned keys, the string decoded first) the largest cost
 * of reading a stream after the socket itself.
 *
 * Sound one way only: the scanner checks the whole of JSON's grammar (RFC 8259) and answers only
 * for a document JSON.parse would accept and read the same way. Anything else (a key written with
 * escapes, an `error` field, nesting deeper than MAX_DEPTH, bytes that are not JSON) returns null,
 * and JSON.parse decides as before.
 */

/** The fields of a chunk the token timing reads; `usage` is −1 when absent or not a count. */
export interface ChunkFields {
  /** `choices` is an array with a first element. */
  choice: boolean;
  /** That element carries non-empty text: `delta.content` (chat) or `text` (completions). */
  text: boolean;
  /** `usage.completion_tokens` is present, whatever its value. */
  usageSeen: boolean;
  /** `usage.completion_tokens` is a JSON number (a count or not). */
  usageNumber: boolean;
  /** `usage.completion_tokens` when it is a whole number from 0 to MAX_COUNT, else −1. */
  usage: number;
}

/** The largest token count believed from a server: beyond it, a number is no count. */
export const MAX_COUNT = 2 ** 31 - 1;

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_COUNT;

/** The parts of a streamed chunk that are read. */
export interface StreamEvent {
  choices?: Array<{ delta?: { content?: unknown }; text?: unknown } | null>;
  usage?: { completion_tokens?: unknown } | null;
  error?: { message?: unknown } | string | null;
}

/** The fields of a chunk JSON.parse has read (an object, with no error). */
export function chunkFields(event: StreamEvent, chat: boolean): ChunkFields {
  const choice = Array.isArray(event.choices) ? event.choices[0] : undefined;
  const text = chat ? choice?.delta?.content : choice?.text;
  const tokens = event.usage?.completion_tokens;
  return {
    choice: choice !== undefined,
    text: typeof text === 'string' && text.length > 0,
    usageSeen: tokens !== undefined,
    usageNumber: typeof tokens === 'number',
    usage: isCount(tokens) ? tokens : -1,
  };
}

const MAX_DEPTH = 64;

// Byte values.
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

// A key as the scanner knows it; END past an object's close.
const OTHER = 0;
const CHOICES = 1;
const USAGE = 2;
const ERROR = 3;
const DELTA = 4;
const CONTENT = 5;
const TEXT = 6;
const COMPLETION_TOKENS = 7;
const ESCAPED = -1;
const BAD = -2;
const END = -3;

const CHOICES_NAME = Buffer.from('choices');
const USAGE_NAME = Buffer.from('usage');
const ERROR_NAME = Buffer.from('error');
const DELTA_NAME = Buffer.from('delta');
const CONTENT_NAME = Buffer.from('content');
const TEXT_NAME = Buffer.from('text');
const COMPLETION_TOKENS_NAME = Buffer.from('completion_tokens');

class Unsure extends Error {}
const UNSURE = new Unsure();

/** A chunk's fields from `b[start, end)` (one event's data, UTF-8), or null: ask JSON.parse. */
export function scanChunk(b: Buffer, start: number, end: number, chat: boolean): ChunkFields | null {
  const out: ChunkFields = { choice: false, text: false, usageSeen: false, usageNumber: false, usage: -1 };
  scanner.b = b;
  scanner.i = start;
  scanner.end = end;
  scanner.depth = 0;
  try {
    scanner.chunk(out, chat);
    return out;
  } catch (e) {
    if (e === UNSURE) return null;
    throw e;
  } finally {
    scanner.b = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

/** One for all streams: the engine reads one chunk at a time. No closures, no allocation per key. */
class Scanner {
  b: Buffer = EMPTY;
  i = 0;
  end = 0;
  depth = 0;

  chunk(out: ChunkFields, chat: boolean): void {
    this.space();
    this.open(OPEN_BRACE);
    for (let key = this.key(true); key !== END; key = this.key(false)) {
      if (key === ESCAPED) throw UNSURE;
      if (key === CHOICES) this.choices(out, chat);
      else if (key === USAGE) this.usage(out);
      else if (key === ERROR) {
        // An error (not null) is for JSON.parse's path, which words it.
        if (!this.nullValue()) throw UNSURE;
      } else this.value();
    }
    this.space();
    if (this.i !== this.end) throw UNSURE;
  }

  /** `choices`: an array whose first element is the choice. A later `choices` key replaces it, as in JSON.parse. */
  private choices(out: ChunkFields, chat: boolean): void {
    out.choice = false;
    out.text = false;
    if (this.peek() !== OPEN_BRACKET) return this.value();
    this.open(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) return this.close();
    out.choice = true;
    if (this.peek() === OPEN_BRACE) this.firstChoice(out, chat);
    else this.value();
    this.restOfArray();
  }

  private firstChoice(out: ChunkFields, chat: boolean): void {
    this.open(OPEN_BRACE);
    for (let key = this.key(true); key !== END; key = this.key(false)) {
      if (key === ESCAPED) throw UNSURE;
      if (chat && key === DELTA) {
        out.text = false;
        if (this.peek() !== OPEN_BRACE) {
          this.value();
          continue;
        }
        this.open(OPEN_BRACE);
        for (let inner = this.key(true); inner !== END; inner = this.key(false)) {
          if (inner === ESCAPED) throw UNSURE;
          if (inner === CONTENT) out.text = this.textValue();
          else this.value();
        }
      } else if (!chat && key === TEXT) out.text = this.textValue();
      else this.value();
    }
  }

  private usage(out: ChunkFields): void {
    out.usageSeen = false;
    out.usageNumber = false;
    out.usage = -1;
    if (this.peek() !== OPEN_BRACE) return this.value();
    this.open(OPEN_BRACE);
    for (let key = this.key(true); key !== END; key = this.key(false)) {
      if (key === ESCAPED) throw UNSURE;
      if (key !== COMPLETION_TOKENS) {
        this.value();
        continue;
      }
      // The last one counts, as in JSON.parse.
      out.usageSeen = true;
      out.usageNumber = false;
      out.usage = -1;
      const c = this.peek();
      if (c === MINUS || isDigit(c)) {
        const from = this.i;
        this.number();
        const n = Number(this.b.toString('latin1', from, this.i));
        out.usageNumber = true;
        if (isCount(n)) out.usage = n;
      } else this.value();
    }
  }

  /** Past `{` or `[` and the space after it. */
  private open(bracket: number): void {
    if (this.next() !== bracket) throw UNSURE;
    if (++this.depth > MAX_DEPTH) throw UNSURE;
    this.space();
  }

  /** Past `}` or `]`. */
  private close(): void {
    this.i++;
    this.depth--;
  }

  /**
   * An object's next key (the first, just past `{`, or after a member's value), the scanner then on
   * its value; END once the object has closed. A key written with escapes is ESCAPED: JSON.parse
   * decodes those, so it could be any name.
   */
  private key(first: boolean): number {
    if (first) {
      if (this.peek() === CLOSE_BRACE) {
        this.close();
        return END;
      }
    } else {
      this.space();
      const c = this.next();
      if (c === CLOSE_BRACE) {
        this.depth--;
        return END;
      }
      if (c !== COMMA) throw UNSURE;
      this.space();
    }
    if (this.peek() !== QUOTE) throw UNSURE;
    const from = this.i + 1;
    const length = this.string();
    if (length === BAD) throw UNSURE;
    this.space();
    if (this.next() !== COLON) throw UNSURE;
    this.space();
    if (length === ESCAPED) return ESCAPED;
    switch (length) {
      case 4:
        return this.is(from, TEXT_NAME) ? TEXT : OTHER;
      case 5:
        return this.is(from, USAGE_NAME)
          ? USAGE
          : this.is(from, ERROR_NAME)
            ? ERROR
            : this.is(from, DELTA_NAME)
              ? DELTA
              : OTHER;
      case 7:
        return this.is(from, CHOICES_NAME) ? CHOICES : this.is(from, CONTENT_NAME) ? CONTENT : OTHER;
      case 17:
        return this.is(from, COMPLETION_TOKENS_NAME) ? COMPLETION_TOKENS : OTHER;
    }
    return OTHER;
  }

  /** The bytes at `from` are `name`. */
  private is(from: number, name: Uint8Array): boolean {
    const b = this.b;
    for (let k = 0; k < name.length; k++) if (b[from + k] !== name[k]) return false;
    return true;
  }

  /** The rest of an array after a value. */
  private restOfArray(): void {
    for (;;) {
      this.space();
      const c = this.next();
      if (c === CLOSE_BRACKET) {
        this.depth--;
        return;
      }
      if (c !== COMMA) throw UNSURE;
      this.space();
      this.value();
    }
  }

  /** A string value: true when it is one with text; any other value is read and gives false. */
  private textValue(): boolean {
    if (this.peek() !== QUOTE) {
      this.value();
      return false;
    }
    const length = this.string();
    if (length === BAD) throw UNSURE;
    // An escape always stands for at least one character.
    return length !== 0;
  }

  private nullValue(): boolean {
    const b = this.b;
    const i = this.i;
    if (i + 4 <= this.end && b[i] === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
      this.i += 4;
      return true;
    }
    return false;
  }

  /** Any JSON value, checked and skipped. */
  private value(): void {
    const c = this.peek();
    if (c === OPEN_BRACE) {
      this.open(OPEN_BRACE);
      for (let key = this.key(true); key !== END; key = this.key(false)) this.value();
      return;
    }
    if (c === OPEN_BRACKET) {
      this.open(OPEN_BRACKET);
      if (this.peek() === CLOSE_BRACKET) return this.close();
      this.value();
      return this.restOfArray();
    }
    if (c === QUOTE) {
      if (this.string() === BAD) throw UNSURE;
      return;
    }
    if (c === MINUS || isDigit(c)) return this.number();
    if (this.word(TRUE) || this.word(FALSE) || this.nullValue()) return;
    throw UNSURE;
  }

  /**
   * A string from its opening quote: the raw length between the quotes, ESCAPED when it holds an
   * escape (then the length is at least 1 character), BAD when it is not a JSON string.
   */
  private string(): number {
    const b = this.b;
    const from = ++this.i;
    let escaped = false;
    for (let i = from; i < this.end; i++) {
      const c = b[i]!;
      if (c === QUOTE) {
        this.i = i + 1;
        return escaped ? ESCAPED : i - from;
      }
      if (c < 0x20) return BAD;
      if (c === BACKSLASH) {
        escaped = true;
        const e = this.at(++i);
        if (e === 117) {
          // \uXXXX
          for (let k = 1; k <= 4; k++) if (!isHex(this.at(i + k))) return BAD;
          i += 4;
        } else if (
          e !== QUOTE &&
          e !== BACKSLASH &&
          e !== 47 &&
          e !== 98 &&
          e !== 102 &&
          e !== 110 &&
          e !== 114 &&
          e !== 116
        )
          return BAD;
      }
    }
    return BAD;
  }

  /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    let i = this.i;
    if (this.at(i) === MINUS) i++;
    if (this.at(i) === ZERO) i++;
    else if (isDigit(this.at(i))) while (isDigit(this.at(i))) i++;
    else throw UNSURE;
    if (this.at(i) === DOT) {
      if (!isDigit(this.at(++i))) throw UNSURE;
      while (isDigit(this.at(i))) i++;
    }
    if (this.at(i) === 101 || this.at(i) === 69) {
      i++;
      if (this.at(i) === PLUS || this.at(i) === MINUS) i++;
      if (!isDigit(this.at(i))) throw UNSURE;
      while (isDigit(this.at(i))) i++;
    }
    this.i = i;
  }

  private word(bytes: Uint8Array): boolean {
    const n = bytes.length;
    if (this.i + n > this.end) return false;
    for (let k = 0; k < n; k++) if (this.b[this.i + k] !== bytes[k]) return false;
    this.i += n;
    return true;
  }

  private space(): void {
    const b = this.b;
    let i = this.i;
    while (i < this.end) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  /** The byte at `i`, or −1 past the data's end. */
  private at(i: number): number {
    return i < this.end ? this.b[i]! : -1;
  }

  private peek(): number {
    return this.i < this.end ? this.b[this.i]! : -1;
  }

  private next(): number {
    return this.i < this.end ? this.b[this.i++]! : -1;
  }
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const scanner = new Scanner();

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
const isHex = (c: number): boolean => (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
