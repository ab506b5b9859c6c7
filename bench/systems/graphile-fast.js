// graphile-worker in the fastest configuration its documentation gives:
// local queue (jobs fetched 500 at a time) and batched completion.
import { graphileSystem } from './_graphile.js';

export default graphileSystem({ id: 'graphile-fast', label: 'graphile-worker (fast)', fast: true });
