/**
 * When an environment goes away on its own. Only development environments
 * are swept (core/sweep.ts): at their TTL (`expiresAt`, 0 for none) or once
 * idle for the sweep's maximum (no deploy or down since `lastActivityAt`),
 * whichever comes first. Staging and production never expire.
 */
import { SWEEP_DEFAULTS } from './sweep.ts';

export type Expiry =
  | { readonly kind: 'ttl' | 'idle'; readonly at: string }
  | { readonly kind: 'never'; readonly why: string };

/** The record's fields the expiry depends on. */
export interface ExpiryFields {
  readonly status: string;
  /** Set only while a development environment is deployed. */
  readonly sweepMode?: string;
  readonly expiresAt?: number;
  readonly lastActivityAt?: number;
}

export function expiryOf(
  record: ExpiryFields,
  maxIdleSeconds: number = SWEEP_DEFAULTS.maxIdleSeconds,
): Expiry {
  if (record.sweepMode !== 'development')
    return {
      kind: 'never',
      why: record.status === 'down' ? 'down' : 'not swept: only development environments expire',
    };
  const ttl = record.expiresAt !== undefined && record.expiresAt > 0 ? record.expiresAt : undefined;
  const idle =
    maxIdleSeconds > 0 && record.lastActivityAt !== undefined
      ? record.lastActivityAt + maxIdleSeconds
      : undefined;
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  if (ttl !== undefined && (idle === undefined || ttl <= idle)) return { kind: 'ttl', at: iso(ttl) };
  if (idle !== undefined) return { kind: 'idle', at: iso(idle) };
  return { kind: 'never', why: 'no ttl and no idle sweep' };
}

/** `2026-11-27T07:00:00Z (ttl)`, `… (idle sweep)`, or why it never expires. */
export function formatExpiry(expiry: Expiry): string {
  if (expiry.kind === 'never') return `never (${expiry.why})`;
  return `${expiry.at.replace('.000Z', 'Z')} (${expiry.kind === 'ttl' ? 'ttl' : 'idle sweep'})`;
}
