// The per-site access policy lives in the core (src/core/access-policy.ts): the core applies it
// for every front, and the core never imports auth.
export { resolveAccess } from '../core/access-policy.js';
