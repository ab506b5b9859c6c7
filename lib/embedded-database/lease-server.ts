import { createServer, type Socket } from 'node:net';
import type { EmbeddedServerRecord } from './server-record.js';

/**
 * The supervisor's side of the leases: each process using the server holds
 * one TCP connection to it, on 127.0.0.1. A process that exits in any way,
 * SIGKILL included, has its connection closed by the kernel, so the count
 * of open connections is the count of users without pid files to prune or
 * pids that may be reused. Each connection is greeted with the server's
 * record: the proof, for the newcomer, that this supervisor is alive and
 * serves the cluster it expects.
 */
export class LeaseServer {
  private readonly server = createServer((socket) => this.accept(socket));
  private readonly leases = new Set<Socket>();
  private greeting: string | null = null;

  /** @param onLastRelease called each time the count of leases drops to zero. */
  constructor(private readonly onLastRelease: () => void) {}

  /** Leases held now. */
  get count(): number {
    return this.leases.size;
  }

  /** Listens on a free port of 127.0.0.1. @returns the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  /** Starts granting leases, greeting each with `record`. */
  serve(record: EmbeddedServerRecord): void {
    this.greeting = `${JSON.stringify(record)}\n`;
  }

  /** Refuses new leases and ends those left. Synchronous, so that a caller's check of `count` and the close are one step. */
  close(): void {
    this.greeting = null;
    this.server.close();
    for (const socket of this.leases) socket.destroy();
    this.leases.clear();
  }

  private accept(socket: Socket): void {
    if (this.greeting === null) {
      socket.destroy();
      return;
    }
    this.leases.add(socket);
    socket.on('error', () => undefined); // a peer that died resets the connection: 'close' follows
    socket.on('close', () => {
      if (this.leases.delete(socket) && this.leases.size === 0) this.onLastRelease();
    });
    // Users send nothing; reading keeps the socket flowing so that their FIN is seen.
    socket.resume();
    socket.write(this.greeting);
  }
}
