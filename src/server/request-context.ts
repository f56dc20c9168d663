import type { Principal } from './auth.js';

/** Who is calling, where, and which request this is: everything a service operation needs from the edge. */
export interface RequestContext extends Principal {
  requestId: string;
}
