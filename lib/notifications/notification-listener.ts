import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Subject, type Observable } from 'rxjs';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from '../queued-tasks.constants.js';
import { queueTables } from '../persistence/queue-tables.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { dedicatedClientConfig } from '../persistence/dedicated-client-config.js';
import { parseQueueNotification, type QueueNotification } from './queue-notification.js';

const RECONNECT_MIN_MS = 100;
/** The start of a `finished` notification, as json_build_object writes it (finished-notification.sql.ts) or JSON.stringify would. */
const FINISHED_PAYLOAD = /^\{"k" ?: ?"f"/;
const RECONNECT_MAX_MS = 5_000;

/**
 * The process's one LISTEN connection, shared by workers (wake-ups), result
 * waiters (finished tasks) and, while `events$` has subscribers here, the
 * task events channel. It connects on first use, and when the
 * connection drops it reconnects with exponential backoff and then emits on
 * `reconnected$`, because notifications sent while it was away are lost:
 * subscribers catch up by reading the database.
 */
@Injectable()
export class NotificationListener implements OnApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private readonly notificationsSubject = new Subject<QueueNotification>();
  private readonly reconnectedSubject = new Subject<void>();
  private readonly channel: string;
  private readonly eventsChannel: string;
  /** `events$` subscriptions of this process: the events channel is listened to while there is one. */
  private eventListeners = 0;
  /** Whether anyone here waits for finished tasks (see wantFinished). */
  private finishedWanted: () => boolean = () => true;
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;
  private started = false;
  private closed = false;
  /** Set while disconnected: notifications may have been sent that we never saw. */
  private missedNotifications = false;

  readonly notifications$: Observable<QueueNotification> = this.notificationsSubject.asObservable();
  /** Fires after the connection was lost and is listening again. */
  readonly reconnected$: Observable<void> = this.reconnectedSubject.asObservable();

  constructor(
    @Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QUEUED_TASKS_CONFIG) config: ResolvedQueuedTasksConfig,
  ) {
    const tables = queueTables(config.schema);
    this.channel = tables.channel;
    this.eventsChannel = tables.eventsChannel;
  }

  /**
   * Tells the listener when `finished` notifications matter here (a result
   * waiter has waiters): a worker's completions send one per 200 tasks, and
   * parsing those nobody waits for was a visible part of a drain.
   */
  wantFinished(wanted: () => boolean): void {
    this.finishedWanted = wanted;
  }

  /**
   * Listens to the task events channel too, until the returned function is
   * called (once per `events$` subscription; the last one ends the LISTEN).
   * Resolves once the connection listens to it.
   */
  async listenToEvents(): Promise<() => void> {
    this.eventListeners++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.eventListeners--;
      if (this.eventListeners === 0) void this.client?.query(`UNLISTEN "${this.eventsChannel}"`).catch(() => undefined);
    };
    await this.start();
    // A connection made before this subscription listens to the queue's channel only.
    if (this.eventListeners > 0 && !released) await this.client?.query(`LISTEN "${this.eventsChannel}"`).catch(() => undefined);
    return release;
  }

  /** Resolves once LISTEN is in place (the first time), so that nothing sent afterwards is missed. */
  async start(): Promise<void> {
    if (this.closed) return;
    if (!this.started) {
      this.started = true;
      this.connecting = this.connect();
    }
    await this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
    this.notificationsSubject.complete();
    this.reconnectedSubject.complete();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(dedicatedClientConfig(this.dataSource, 'listener'));
    client.on('error', (error) => this.onConnectionLost(client, error));
    client.on('end', () => this.onConnectionLost(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel && (message.channel !== this.eventsChannel || this.eventListeners === 0)) return;
      if (FINISHED_PAYLOAD.test(message.payload ?? '') && !this.finishedWanted()) return;
      const notification = parseQueueNotification(message.payload);
      if (notification) this.notificationsSubject.next(notification);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.eventListeners > 0) await client.query(`LISTEN "${this.eventsChannel}"`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      if (!this.started || this.closed) return;
      // The first connection failing must not fail bootstrap: polling covers the gap.
      this.logger.warn(`LISTEN connection failed (${(error as Error).message}); retrying in ${this.reconnectDelay} ms`);
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
    if (this.missedNotifications) {
      this.missedNotifications = false;
      this.reconnectedSubject.next();
    }
  }

  private onConnectionLost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.logger.warn(`LISTEN connection lost${error ? ` (${error.message})` : ''}; reconnecting`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.missedNotifications = true;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connecting = this.connect();
    }, delay * (0.75 + Math.random() * 0.5));
  }
}
