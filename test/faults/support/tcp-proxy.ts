import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  MessageReader,
  StartupReader,
  commandTag,
  readyStatus,
  rowDescriptionColumns,
  tagRowCount,
  type WireMessage,
} from './pg-wire.js';

/**
 * What the proxy does with connections while it is not forwarding:
 * - `refuse`: it stops listening, so connecting fails at once with
 *   ECONNREFUSED, as with a server that is down;
 * - `reset`: it accepts and resets the connection (ECONNRESET);
 * - `blackhole`: it accepts and never answers nor closes, as a host lost
 *   behind a firewall that drops packets (for connect and statement timeouts).
 */
export type OutageMode = 'refuse' | 'reset' | 'blackhole';

/** A client connection through the proxy. */
export interface ProxiedConnection {
  readonly id: number;
  /** From the client's startup packet; undefined until it arrived (or for cancel requests). */
  readonly applicationName: string | undefined;
  /** Accepted while the proxy was in `blackhole` mode: nothing is forwarded either way. */
  readonly blackholed: boolean;
}

/** A reply the proxy is about to forward, as seen by a {@link TcpProxy.cutAfterCommit} predicate. */
export interface StatementReply {
  /** CommandComplete tag, e.g. `UPDATE 3`. */
  tag: string;
  /** Count at the end of the tag. */
  count: number;
  /** DataRows sent for this statement. */
  rows: number;
  /** Of those, rows whose first column is not NULL (a claim that took nothing returns one row of NULLs). */
  valueRows: number;
  /** Columns of its RowDescription (empty when it returned none). */
  columns: string[];
  applicationName: string | undefined;
}

/**
 * The usual predicate: an `UPDATE … RETURNING` (the tag starts with `UPDATE `)
 * that changed and returned rows.
 */
export const isUpdateReturningRows = (reply: StatementReply): boolean =>
  reply.tag.startsWith('UPDATE ') && reply.count > 0 && reply.rows > 0;

interface Pair extends ProxiedConnection {
  client: Socket;
  upstream: Socket | null;
  applicationName: string | undefined;
}

interface ArmedCut {
  predicate: (reply: StatementReply) => boolean;
  resolve: (reply: StatementReply) => void;
  /** The connection holding a matching reply: others are not matched meanwhile (one shot, one cut). */
  holder: Pair | null;
}

/**
 * A TCP proxy on 127.0.0.1 in front of one PostgreSQL port, for faults that
 * need the network rather than the server: connections cut, a server that
 * refuses or never answers for a while, one client's traffic dropped, or the
 * reply of one committed statement lost on the way back.
 *
 * It reads the protocol only to know each connection's `application_name`
 * and, when armed, to recognise one statement's reply; bytes are forwarded
 * unchanged, in whole messages.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private mode: 'forward' | OutageMode = 'forward';
  private nextId = 1;
  private severed: ((applicationName: string | undefined) => boolean)[] = [];
  private armed: ArmedCut | null = null;
  private closed = false;

  private constructor(
    private readonly target: { host: string; port: number },
    /** The port clients connect to; kept across `pause('refuse')` / `resume()`. */
    public port: number,
  ) {}

  /** Starts a proxy to `target` on a free loopback port. */
  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: target.host ?? '127.0.0.1', port: target.port }, 0);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Open client connections. */
  connections(): ProxiedConnection[] {
    return [...this.pairs].map(({ id, applicationName, blackholed }) => ({ id, applicationName, blackholed }));
  }

  /**
   * Destroys every open connection (or those `match` selects), both sides at
   * once: clients see "Connection terminated unexpectedly", the server sees
   * its client vanish. @returns how many were cut.
   */
  cut(match: (connection: ProxiedConnection) => boolean = () => true): number {
    let count = 0;
    for (const pair of [...this.pairs]) {
      if (!match(pair)) continue;
      this.destroy(pair);
      count++;
    }
    return count;
  }

  /** New connections are refused, reset or blackholed (see {@link OutageMode}) until `resume()`. Open ones are left alone. */
  async pause(mode: OutageMode = 'refuse'): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse') await this.unlisten();
  }

  /** Forward new connections again. */
  async resume(): Promise<void> {
    this.mode = 'forward';
    if (!this.server && !this.closed) await this.listen();
  }

  /**
   * An outage of `ms`: refuse new connections (or `mode`), cut every open
   * one, wait, resume. New connections are refused before the cut, so that
   * no client reconnects in between.
   */
  async outage(ms: number, mode: OutageMode = 'refuse'): Promise<{ cutAt: number; resumedAt: number; cut: number }> {
    await this.pause(mode);
    const cut = this.cut();
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    // Blackholed sockets would otherwise hang for ever after the outage.
    this.cut((connection) => connection.blackholed);
    await this.resume();
    return { cutAt, resumedAt: Date.now(), cut };
  }

  /**
   * Drops the traffic of clients whose `application_name` matches: open ones
   * are cut now, new ones as soon as their startup packet shows the name
   * (before the server sees it). @returns a function that ends this.
   */
  sever(match: (applicationName: string | undefined) => boolean): () => void {
    this.severed.push(match);
    this.cut((connection) => connection.applicationName !== undefined && match(connection.applicationName));
    return () => {
      this.severed = this.severed.filter((m) => m !== match);
    };
  }

  /**
   * Arms a one-shot fault: the next statement whose reply `predicate`
   * accepts, once the server has confirmed its commit, loses that reply.
   *
   * The proxy holds back the statement's CommandComplete and looks at the
   * next message: a ReadyForQuery with status idle ('I') means the
   * transaction committed (autocommit statements commit before it is sent),
   * so it destroys the connection, both sides, instead of forwarding either.
   * The client sees its statement fail although it took effect. Any other
   * next message (an error, or a transaction left open) releases what was
   * held and the fault stays armed.
   *
   * @returns a promise of the reply that was lost.
   */
  cutAfterCommit(predicate: (reply: StatementReply) => boolean = isUpdateReturningRows): Promise<StatementReply> {
    if (this.armed) throw new Error('cutAfterCommit is already armed');
    return new Promise((resolve) => (this.armed = { predicate, resolve, holder: null }));
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.cut();
    await this.unlisten();
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    // close() releases the port at once (new connections are refused from now on); its callback
    // would wait for the open connections to end, which is not what an outage means.
    server?.close();
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { id: this.nextId++, client, upstream: null, applicationName: undefined, blackholed: this.mode === 'blackhole' };
    this.pairs.add(pair);
    client.on('close', () => this.destroy(pair));
    if (pair.blackholed) {
      // Read and drop: the client's writes succeed, nothing ever comes back.
      client.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.destroy(pair));
    // Half-closes are passed on, so a client's Terminate reaches the server before its FIN.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    this.forwardClient(pair, client, upstream);
    this.forwardServer(pair, client, upstream);
  }

  /** Client to server: unchanged, reading the startup packet on the way for `application_name`. */
  private forwardClient(pair: Pair, client: Socket, upstream: Socket): void {
    let startup: StartupReader | null = new StartupReader();
    client.on('data', (chunk: Buffer) => {
      if (startup) {
        startup.push(chunk);
        for (let packet = startup.next(); packet; packet = startup?.next()) {
          if (packet.kind === 'encryption-request') this.expectEncryptionAnswer.add(pair);
          else {
            startup = null;
            if (packet.kind === 'startup') {
              pair.applicationName = packet.params['application_name'];
              if (this.severed.some((match) => match(pair.applicationName))) {
                this.destroy(pair);
                return;
              }
            }
          }
        }
      }
      upstream.write(chunk);
    });
  }

  /** Connections whose next server byte answers an SSLRequest/GSSENCRequest. */
  private readonly expectEncryptionAnswer = new Set<Pair>();

  /** Server to client, message by message, so that one reply can be held back and dropped. */
  private forwardServer(pair: Pair, client: Socket, upstream: Socket): void {
    const reader = new MessageReader();
    let opaque = false;
    let rows = 0;
    let valueRows = 0;
    let columns: string[] = [];
    /** A CommandComplete matched by the armed predicate, held until the next message shows whether it committed. */
    let held: { message: WireMessage; reply: StatementReply } | null = null;
    upstream.on('data', (chunk: Buffer) => {
      if (opaque) {
        client.write(chunk);
        return;
      }
      reader.push(chunk);
      const out: Buffer[] = [];
      for (;;) {
        if (this.expectEncryptionAnswer.has(pair)) {
          const answer = reader.takeRaw(1);
          if (!answer) break;
          this.expectEncryptionAnswer.delete(pair);
          out.push(answer);
          // 'S' or 'G': encrypted from here on, nothing more can be read.
          if (answer[0] !== 0x4e /* N */) {
            opaque = true;
            const rest = reader.takeRaw(reader.pending);
            if (rest) out.push(rest);
            break;
          }
          continue;
        }
        const message = reader.next();
        if (!message) break;
        if (held) {
          if (message.type === 'Z' && readyStatus(message.body) === 'I') {
            const { reply } = held;
            held = null;
            if (out.length > 0) client.write(Buffer.concat(out));
            this.destroy(pair);
            const armed = this.armed;
            this.armed = null;
            armed?.resolve(reply);
            return;
          }
          // Not committed (an error, or inside a transaction block): the reply goes through, the fault stays armed.
          out.push(held.message.raw);
          held = null;
          if (this.armed) this.armed.holder = null;
        }
        switch (message.type) {
          case 'T':
            columns = rowDescriptionColumns(message.body);
            rows = 0;
            valueRows = 0;
            break;
          case 'D':
            rows++;
            // DataRow: int16 column count, then per column an int32 length (-1 for NULL) and the bytes.
            if (message.body.readInt16BE(0) > 0 && message.body.readInt32BE(2) !== -1) valueRows++;
            break;
          case 'C': {
            const tag = commandTag(message.body);
            const reply: StatementReply = { tag, count: tagRowCount(tag), rows, valueRows, columns, applicationName: pair.applicationName };
            rows = 0;
            valueRows = 0;
            columns = [];
            if (this.armed && !this.armed.holder && this.armed.predicate(reply)) {
              this.armed.holder = pair;
              held = { message, reply };
              continue;
            }
            break;
          }
          case 'Z':
          case 'E':
            rows = 0;
            valueRows = 0;
            columns = [];
            break;
        }
        out.push(message.raw);
      }
      if (out.length > 0) client.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    });
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    this.expectEncryptionAnswer.delete(pair);
    // Closed by something else while holding a reply: let another connection match.
    if (this.armed?.holder === pair) this.armed.holder = null;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
