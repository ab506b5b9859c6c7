import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueueWorkerOptions } from '../interfaces/queued-tasks-options.interface.js';
import { isQueueName, QUEUE_NAME_RULE } from './validate-task-options.js';
import { requireInteger } from './require-integer.js';
import type { ResolvedSlotPool } from './resolved-config.js';

/**
 * The slot pools of `worker.queues`: one pool of `concurrency` for every
 * queue (unset or empty) or for a list of queues, or one pool per queue when
 * each has settings of its own.
 */
export function resolveSlotPools(queues: string[] | Record<string, QueueWorkerOptions> | undefined, concurrency: number): ResolvedSlotPool[] {
  if (queues === undefined || queues === null) return [{ concurrency, queues: [null] }];
  if (Array.isArray(queues)) {
    queues.forEach((queue, index) => requireQueueName(`worker.queues[${index}]`, queue));
    return queues.length === 0 ? [{ concurrency, queues: [null] }] : [{ concurrency, queues: [...new Set(queues)] }];
  }
  if (typeof queues !== 'object') throw new InvalidModuleOptionsError(`worker.queues must be a list of queue names or an object keyed by queue name`);
  const entries = Object.entries(queues);
  if (entries.length === 0) return [{ concurrency, queues: [null] }];
  return entries.map(([queue, settings]) => {
    requireQueueName('a key of worker.queues', queue);
    const own = settings?.concurrency ?? concurrency;
    requireInteger(`worker.queues.${queue}.concurrency`, own, 1);
    return { concurrency: own, queues: [queue] };
  });
}

function requireQueueName(where: string, queue: unknown): void {
  if (!isQueueName(queue)) {
    throw new InvalidModuleOptionsError(`${where} is not a valid queue name (${JSON.stringify(queue)}): ${QUEUE_NAME_RULE}`);
  }
}
