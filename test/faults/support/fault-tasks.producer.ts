import { Injectable } from '@nestjs/common';
import { QueuedTask } from '../../../lib/index.js';
import { FAULT_TASKS } from './fault-task-names.js';

/**
 * The test process's side of fault-worker.ts's handlers: same names and
 * signatures, so a test can enqueue them with `add(FaultTasksProducer, …)` in
 * an app whose workers are disabled. They never run here.
 */
@Injectable()
export class FaultTasksProducer {
  @QueuedTask({ name: FAULT_TASKS.sleep })
  async sleep(_ms: number): Promise<number> {
    throw new Error('runs in the fault worker processes only');
  }

  @QueuedTask({ name: FAULT_TASKS.stubborn })
  async stubborn(_ms: number): Promise<number> {
    throw new Error('runs in the fault worker processes only');
  }

  @QueuedTask({ name: FAULT_TASKS.cpu })
  async cpu(_ms: number): Promise<number> {
    throw new Error('runs in the fault worker processes only');
  }

  @QueuedTask({ name: FAULT_TASKS.hog })
  async hog(_ms: number): Promise<number> {
    throw new Error('runs in the fault worker processes only');
  }

  @QueuedTask({ name: FAULT_TASKS.echo })
  async echo(_value: string): Promise<string> {
    throw new Error('runs in the fault worker processes only');
  }

  @QueuedTask({ name: FAULT_TASKS.unprintable })
  async unprintable(): Promise<never> {
    throw new Error('runs in the fault worker processes only');
  }
}
