/**
 * Just enough of the PostgreSQL wire protocol (v3) for a proxy that watches
 * traffic: framing of both directions, the startup packet, and the few
 * server messages a fault needs to recognise. Nothing here builds messages.
 *
 * Framing: after the startup phase every message is 1 type byte + an int32
 * (big-endian) length that counts itself but not the type byte. The client's
 * first packet has no type byte: int32 length, int32 code (protocol version,
 * or a request code), then the body.
 */

/** Request codes that may come first instead of a startup packet. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** The client's first packet, decoded. */
export type StartupPacket =
  /** Answered by one unframed byte ('S'/'G' then TLS/GSS follows; 'N' then a startup packet). */
  | { kind: 'encryption-request' }
  /** A cancel request: the connection carries nothing else. */
  | { kind: 'cancel' }
  | { kind: 'startup'; params: Record<string, string> };

/**
 * Reads the client's packets until the startup packet. Push every chunk the
 * client sends; `next()` yields each packet once complete (they may arrive
 * split across chunks, or several in one).
 */
export class StartupReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  next(): StartupPacket | undefined {
    if (this.buffer.length < 8) return undefined;
    const length = this.buffer.readInt32BE(0);
    if (this.buffer.length < length) return undefined;
    const packet = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return { kind: 'encryption-request' };
    if (code === CANCEL_REQUEST) return { kind: 'cancel' };
    const params: Record<string, string> = {};
    const fields = packet.subarray(8).toString('utf8').split('\0');
    for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) params[fields[i]!] = fields[i + 1]!;
    return { kind: 'startup', params };
  }
}

/** One framed message. `raw` is the whole message as sent (type byte included). */
export interface WireMessage {
  type: string;
  body: Buffer;
  raw: Buffer;
}

/**
 * Splits a stream of framed messages (after the startup phase) into whole
 * messages, buffering partial ones across chunks.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes held that do not (yet) form a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /** Takes `n` raw bytes off the front, unframed (the one-byte answer to an SSLRequest). */
  takeRaw(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    const all = this.flatten();
    this.chunks = [all.subarray(n)];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  next(): WireMessage | undefined {
    if (this.buffered < 5) return undefined;
    const all = this.flatten();
    const length = all.readInt32BE(1);
    if (all.length < length + 1) return undefined;
    const raw = all.subarray(0, length + 1);
    this.chunks = [all.subarray(length + 1)];
    this.buffered -= raw.length;
    return { type: String.fromCharCode(raw[0]!), body: raw.subarray(5), raw };
  }

  private flatten(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }
}

/** The tag of a CommandComplete ('C'), e.g. `UPDATE 3`, `SELECT 1`, `INSERT 0 1`. */
export function commandTag(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString('utf8');
}

/** The row count at the end of a command tag (0 when it has none). */
export function tagRowCount(tag: string): number {
  const match = / (\d+)$/.exec(tag);
  return match ? Number(match[1]) : 0;
}

/** Column names of a RowDescription ('T'). */
export function rowDescriptionColumns(body: Buffer): string[] {
  const count = body.readInt16BE(0);
  const columns: string[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset);
    columns.push(body.subarray(offset, end).toString('utf8'));
    // table oid (4), column number (2), type oid (4), type size (2), type modifier (4), format (2)
    offset = end + 1 + 18;
  }
  return columns;
}

/** Transaction status of a ReadyForQuery ('Z'): 'I' idle (committed or nothing open), 'T' in a transaction, 'E' failed transaction. */
export function readyStatus(body: Buffer): string {
  return String.fromCharCode(body[0]!);
}
