// BullMQ 6 on its PostgreSQL backend (createPostgresBackend).
import { bullmqSystem } from './_bullmq.js';

export default bullmqSystem({ backend: 'postgres' });
