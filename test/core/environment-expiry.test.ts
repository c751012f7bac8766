import { describe, expect, it } from 'vitest';
import { expiryOf, formatExpiry } from '../../core/environment-expiry.ts';

/** 2026-11-26T07:00:00Z */
const NOW = 1_795_676_400;
const DAY = 86_400;

describe('when an environment expires', () => {
  it('is its ttl when that comes before the idle sweep', () => {
    const expiry = expiryOf({
      status: 'deployed',
      sweepMode: 'development',
      expiresAt: NOW + DAY,
      lastActivityAt: NOW,
    });

    expect(expiry).toEqual({ kind: 'ttl', at: '2026-11-27T07:00:00.000Z' });
    expect(formatExpiry(expiry)).toBe('2026-11-27T07:00:00Z (ttl)');
  });

  it('is the idle sweep when there is no ttl, or the ttl is later', () => {
    expect(
      expiryOf({ status: 'deployed', sweepMode: 'development', expiresAt: 0, lastActivityAt: NOW }),
    ).toEqual({
      kind: 'idle',
      at: '2026-12-03T07:00:00.000Z',
    });
    expect(
      expiryOf(
        { status: 'deployed', sweepMode: 'development', expiresAt: NOW + 30 * DAY, lastActivityAt: NOW },
        DAY,
      ),
    ).toEqual({ kind: 'idle', at: '2026-11-27T07:00:00.000Z' });
  });

  it('never comes for staging, production or an environment that is down', () => {
    expect(formatExpiry(expiryOf({ status: 'deployed', expiresAt: NOW, lastActivityAt: NOW }))).toBe(
      'never (not swept: only development environments expire)',
    );
    expect(formatExpiry(expiryOf({ status: 'down', lastActivityAt: NOW }))).toBe('never (down)');
  });

  it('never comes for a development environment with no ttl when idle sweeping is off', () => {
    expect(
      expiryOf({ status: 'deployed', sweepMode: 'development', expiresAt: 0, lastActivityAt: NOW }, 0),
    ).toEqual({
      kind: 'never',
      why: 'no ttl and no idle sweep',
    });
  });
});
