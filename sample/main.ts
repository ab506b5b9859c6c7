import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
console.log(`Sample listening on http://localhost:${port}
  curl -X POST localhost:${port}/users -H 'content-type: application/json' -d '{"email":"ann@example.com","name":"Ann"}'
  curl 'localhost:${port}/tasks/1?waitMs=10000'`);

// Ctrl+C or a TERM from the orchestrator: stop taking work and let running
// tasks finish (worker.shutdownTimeoutMs); the embedded database, if any,
// stops once no process uses it any more.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close();
    process.exit(0);
  });
}
