import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that, while armed, lets each new
 * connection finish its start-up and then sends, in the very same chunk as
 * the server's first ReadyForQuery, a FATAL ErrorResponse (SQLSTATE 57P01,
 * what `pg_terminate_backend` sends) and closes the connection: the worst
 * timing of a backend terminated just after it connected, made exact.
 */
export class FatalAfterReadyProxy {
  /** New connections get the FATAL while armed. */
  armed = false;
  /** Connections that got it. */
  injected = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host?: string; port: number }): Promise<FatalAfterReadyProxy> {
    let proxy!: FatalAfterReadyProxy;
    const server = net.createServer((client) => proxy.handle(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FatalAfterReadyProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: net.Socket, target: { host?: string; port: number }): void {
    const server = net.connect(target.port, target.host ?? '127.0.0.1');
    this.sockets.add(client).add(server);
    const inject = this.armed;
    let pending = Buffer.alloc(0);
    let done = !inject;
    /** The client opened with an SSLRequest: the server's first byte ('N') is unframed. */
    let unframedByte = false;
    let firstPacket = true;
    client.on('data', (chunk: Buffer) => {
      if (firstPacket && chunk.length >= 8 && chunk.readInt32BE(0) === 8 && chunk.readInt32BE(4) === SSL_REQUEST) unframedByte = true;
      firstPacket = false;
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (done) return void client.write(chunk);
      if (unframedByte) {
        unframedByte = false;
        client.write(chunk.subarray(0, 1));
        chunk = chunk.subarray(1);
        firstPacket = true;
      }
      pending = Buffer.concat([pending, chunk]);
      // Server messages are framed: a type byte, then an int32 length that
      // counts itself. Whole messages are passed on at once (authentication
      // needs its round trips); ReadyForQuery goes out with the FATAL.
      let at = 0;
      while (at + 5 <= pending.length) {
        const end = at + 1 + pending.readInt32BE(at + 1);
        if (end > pending.length) break;
        if (pending[at] === 0x5a /* 'Z' ReadyForQuery */) {
          done = true;
          this.injected++;
          client.write(Buffer.concat([pending.subarray(0, end), fatalTerminating()]));
          client.end();
          server.destroy();
          return;
        }
        at = end;
      }
      if (at > 0) client.write(pending.subarray(0, at));
      pending = pending.subarray(at);
    });
    const close = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  }
}

const SSL_REQUEST = 80877103;

/** ErrorResponse: FATAL 57P01, as PostgreSQL sends it to a terminated backend's client. */
function fatalTerminating(): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', '57P01'],
      ['M', 'terminating connection due to administrator command'],
    ].map(([code, value]) => Buffer.from(`${code}${value}\0`, 'utf8')),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
