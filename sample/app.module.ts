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
        connection: { url: process.env.DATABASE_URL },
        // A web node can leave the work to worker nodes: WORKERS=off npm start.
        worker: { enabled: process.env.WORKERS !== 'off', concurrency: 5 },
      }),
    }),
  ],
  providers: [Mailer, MailTasks],
  controllers: [UsersController, TasksController],
})
export class AppModule {}
