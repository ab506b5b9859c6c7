import 'reflect-metadata';
import { Module, type INestApplicationContext, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueuedTasksModule, type QueuedTasksModuleOptions } from '../../lib/index.js';
import { NoStackLogger } from './no-stack-logger.js';

/** Options of {@link startTestApp}: module options plus the providers holding handlers. */
export interface TestAppOptions extends Partial<QueuedTasksModuleOptions> {
  url?: string;
  providers?: Provider[];
  /**
   * Bootstrap is expected to fail: Nest's own exception handler stays quiet
   * (it would print the expected error's stack trace).
   */
  expectBootstrapFailure?: boolean;
  /** The application's logger (by default errors only). */
  logger?: LoggerService;
}

/**
 * Boots an application context the way a user's worker process does
 * (`NestFactory.createApplicationContext`), with lifecycle hooks enabled.
 */
export async function startTestApp(options: TestAppOptions): Promise<INestApplicationContext> {
  const { url, providers = [], expectBootstrapFailure = false, logger, ...moduleOptions } = options;
  @Module({
    imports: [
      QueuedTasksModule.forRoot({
        ...(moduleOptions.dataSource ? {} : { connection: { url, poolSize: 4 } }),
        ...moduleOptions,
        worker: { pollIntervalMs: 1_000, ...moduleOptions.worker },
      }),
    ],
    providers,
  })
  class TestAppModule {}
  return NestFactory.createApplicationContext(TestAppModule, {
    logger: logger ?? (expectBootstrapFailure ? false : new NoStackLogger()),
    abortOnError: false,
  });
}
