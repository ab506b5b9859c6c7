import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/**
 * A worker-only process: the same module, no HTTP server. Run as many as you
 * like, on as many machines; each registers as a worker of its own.
 */
const app = await NestFactory.createApplicationContext(AppModule);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close(); // stops claiming, lets running tasks finish, then returns
    process.exit(0);
  });
}
console.log('Worker running; Ctrl+C to drain and stop.');
