import { connect } from 'node:net';
import type { EmbeddedServerRecord } from './server-record.js';

/** A supervisor that has not greeted within this time is not one (a reused port) or is stuck. */
const GREETING_TIMEOUT_MS = 2_000;
const RELEASE_TIMEOUT_MS = 1_000;

/** This process's hold on a running embedded server: the server runs at least until it is released. */
export interface EmbeddedServerLease {
  /** The server, as its supervisor describes it. */
  readonly server: EmbeddedServerRecord;
  /** Ends the lease; the last one to end lets the supervisor stop the server. */
  release(): Promise<void>;
}

/**
 * Takes a lease from the supervisor listening on `leasePort`: a connection
 * kept open, which the supervisor counts until it closes.
 *
 * @returns null when nothing answers there, or something that is not the
 *   supervisor of `clusterDir` (a record left by a supervisor that died).
 */
export async function takeServerLease(leasePort: number, clusterDir: string): Promise<EmbeddedServerLease | null> {
  const socket = connect({ port: leasePort, host: '127.0.0.1' });
  const server = await new Promise<EmbeddedServerRecord | null>((resolve) => {
    let received = '';
    const settle = (record: EmbeddedServerRecord | null) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve(record);
    };
    const timer = setTimeout(() => settle(null), GREETING_TIMEOUT_MS);
    socket.on('error', () => settle(null));
    socket.on('close', () => settle(null));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end < 0) return;
      try {
        const record = JSON.parse(received.slice(0, end)) as EmbeddedServerRecord;
        settle(record.clusterDir === clusterDir ? record : null);
      } catch {
        settle(null);
      }
    });
  });
  socket.removeAllListeners('close');
  if (!server) {
    socket.destroy();
    return null;
  }
  // The lease must not keep the application alive on its own.
  socket.unref();
  socket.setKeepAlive(true);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    server,
    release: async () => {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), RELEASE_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}
