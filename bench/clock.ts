/**
 * The benchmark's clock: modeled seconds from wall-clock time, divided by
 * the latency model's scale. Everything a run waits for (Wait states, retry
 * intervals, API calls, resources becoming ready) is a real timer of
 * `seconds × scale`, so the wall time a run takes is measured, not computed.
 */
import { setTimeout as delay } from 'node:timers/promises';

export class ModelClock {
  readonly #startedAt = performance.now();

  /** @param scale wall-clock seconds per modeled second */
  constructor(readonly scale: number) {}

  /** Modeled seconds since the clock was made. */
  now(): number {
    return (performance.now() - this.#startedAt) / 1000 / this.scale;
  }

  /** Waits `seconds` of modeled time. */
  async sleep(seconds: number): Promise<void> {
    if (seconds > 0) await delay(seconds * this.scale * 1000);
  }
}
