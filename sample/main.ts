import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { ensureDatabase } from './database.js';

const stopDatabase = await ensureDatabase();
const app = await NestFactory.create(AppModule);
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
console.log(`Sample listening on http://localhost:${port}
  curl -X POST localhost:${port}/users -H 'content-type: application/json' -d '{"email":"ann@example.com","name":"Ann"}'
  curl 'localhost:${port}/tasks/1?waitMs=10000'`);

// Ctrl+C or a TERM from the orchestrator: stop taking work, let running tasks
// finish (worker.shutdownTimeoutMs), then stop the embedded database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close();
    await stopDatabase();
    process.exit(0);
  });
}
