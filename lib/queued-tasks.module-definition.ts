import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { QueuedTasksModuleOptions } from './interfaces/queued-tasks-options.interface.js';

/** Extras of `forRoot` / `forRootAsync` that shape the module itself rather than the queue. */
export interface QueuedTasksModuleExtras {
  /** Register `TaskQueue` globally, so feature modules need not import the module. @default true */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: QueuedTasksConfigurableModule,
  MODULE_OPTIONS_TOKEN: QUEUED_TASKS_MODULE_OPTIONS,
  OPTIONS_TYPE: QUEUED_TASKS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QUEUED_TASKS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QueuedTasksModuleOptions>({ moduleName: 'QueuedTasks' })
  .setClassMethodName('forRoot')
  .setExtras<QueuedTasksModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? true,
  }))
  .build();
