/**
 * The environment's lock: one deployment at a time per environment. The
 * request handlers take it (functions/requests/environment-queue.ts) and the
 * workflows re-take it, each until the same expiry after the request.
 */

/**
 * How long a lock is honoured before another deployment may take it over;
 * sooner once the execution it names as holder has ended
 * (functions/requests/lock-takeover.ts).
 */
export const LOCK_TTL_MS = 3 * 60 * 60_000;
