import { EntitySchema } from 'typeorm';
import { DEFAULT_SCHEMA } from '../../queued-tasks.constants.js';
import { createTaskEntity } from './task.entity.js';

/** A row of the worker registry: one per running worker process. */
export interface WorkerRecord {
  id: string;
  hostname: string;
  pid: number;
  queues: string[] | null;
  concurrency: number;
  startedAt: Date;
  heartbeatAt: Date;
  /** This worker's own lease, and when it ends unless renewed (database clock). */
  leaseMs: number;
  leaseExpiresAt: Date;
}

/** TypeORM entity of the workers table in `schema`. Created by the migrations. */
export function createWorkerEntity(schema: string = DEFAULT_SCHEMA): EntitySchema<WorkerRecord> {
  return new EntitySchema<WorkerRecord>({
    name: `QueuedTaskWorker:${schema}`,
    tableName: 'workers',
    schema,
    synchronize: false,
    columns: {
      id: { type: 'uuid', primary: true },
      hostname: { type: 'text' },
      pid: { type: 'integer' },
      queues: { type: 'text', array: true, nullable: true },
      concurrency: { type: 'integer' },
      startedAt: { name: 'started_at', type: 'timestamptz' },
      heartbeatAt: { name: 'heartbeat_at', type: 'timestamptz' },
      leaseMs: { name: 'lease_ms', type: 'integer' },
      leaseExpiresAt: { name: 'lease_expires_at', type: 'timestamptz' },
    },
  });
}

/** Both entities of the queue, bound to `schema`: add them to your DataSource's `entities` to query them. */
export function queuedTasksEntities(schema: string = DEFAULT_SCHEMA): EntitySchema[] {
  return [createTaskEntity(schema) as EntitySchema, createWorkerEntity(schema) as EntitySchema];
}
