// BullMQ 6 on Redis, for context: skipped with a note when Redis does not answer.
import { bullmqSystem } from './_bullmq.js';

export default bullmqSystem({ backend: 'redis' });
