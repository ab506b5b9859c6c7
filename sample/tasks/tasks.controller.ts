import { Controller, Get, NotFoundException, Param, ParseIntPipe, Query } from '@nestjs/common';
import { TaskNotFoundError, TaskQueue, TaskResultTimeoutError } from 'nestjs-queued-tasks';

@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TaskQueue) {}

  /** State, attempts, errors and result of a task. With `?waitMs=`, waits (at most that long) for it to finish first. */
  @Get(':id')
  async show(@Param('id') id: string, @Query('waitMs', new ParseIntPipe({ optional: true })) waitMs?: number) {
    try {
      const ref = await this.tasks.ref(id);
      if (waitMs) await ref.result({ timeoutMs: waitMs }).catch((error: unknown) => {
        if (!(error instanceof TaskResultTimeoutError)) return; // failed or cancelled: the state below says so
      });
      return await ref.info();
    } catch (error) {
      if (error instanceof TaskNotFoundError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
