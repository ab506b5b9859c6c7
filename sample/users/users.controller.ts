import { Body, Controller, Post } from '@nestjs/common';
import { TaskQueue } from 'nestjs-queued-tasks';
import { MailTasks } from '../mail/mail.tasks.js';

interface SignUpDto {
  email: string;
  name: string;
}

@Controller('users')
export class UsersController {
  constructor(private readonly tasks: TaskQueue) {}

  /** Answers at once; the welcome mail goes out in the background, retried if the provider fails. */
  @Post()
  async signUp(@Body() dto: SignUpDto) {
    const ref = await this.tasks.add(MailTasks, 'sendWelcome', [dto.email, dto.name], { delayMs: 1_000 });
    return { welcomeTask: ref.id, status: `/tasks/${ref.id}` };
  }
}
