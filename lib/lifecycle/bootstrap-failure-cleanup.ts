import { Injectable } from '@nestjs/common';
import { NotificationListener } from '../notifications/notification-listener.js';
import { QueueDataSourceCloser } from '../persistence/queue-data-source.provider.js';
import { MaintenanceLeader } from '../maintenance/maintenance-leader.service.js';
import { ControlConnection } from '../persistence/control-connection.js';

/**
 * Nest runs no shutdown hook for an application whose bootstrap threw, so a
 * hook of ours that fails (a duplicate task name, a database gone during
 * start-up) releases what the module had opened before rethrowing: the
 * leader's timer, the control and LISTEN connections and the DataSource the module owns.
 */
@Injectable()
export class BootstrapFailureCleanup {
  constructor(
    private readonly leader: MaintenanceLeader,
    private readonly control: ControlConnection,
    private readonly listener: NotificationListener,
    private readonly closer: QueueDataSourceCloser,
  ) {}

  async release(): Promise<void> {
    await this.leader.beforeApplicationShutdown().catch(() => undefined);
    await this.control.close().catch(() => undefined);
    await this.listener.close().catch(() => undefined);
    await this.closer.onApplicationShutdown().catch(() => undefined);
  }
}
