/**
 * The benchmark's AWS account: what has been started and when each thing is
 * ready, on the model clock. The in-memory services (bench/aws/) and the
 * modeled steps (bench/steps/) both start their work here, so a resource
 * created by one is seen by the other, and every timed operation is kept
 * for the critical-path lower bound (bench/critical-path.ts).
 */
import { type LatencyModel, type Operation, readyTimes } from '../engine/latency-model.ts';
import type { ModelClock } from './clock.ts';

/** One timed operation: what was started, when, and how long it takes (drawn from the model). */
export interface Provisioning {
  readonly key: string;
  readonly operation: Operation;
  /** Modeled seconds when the work could begin (its call, or a later prerequisite). */
  readonly startsAt: number;
  readonly seconds: number;
  readonly readyAt: number;
}

export class World {
  readonly #draw: (operation: Operation) => number;
  readonly #started = new Map<string, Provisioning>();
  /** Every timed operation, in the order they were started (a key started again appears again). */
  readonly log: Provisioning[] = [];

  constructor(
    readonly clock: ModelClock,
    readonly model: LatencyModel,
  ) {
    this.#draw = readyTimes(model);
  }

  /** Starts `operation` for `key` unless it is already started; returns the one that runs. */
  start(key: string, operation: Operation, notBefore = this.clock.now()): Provisioning {
    return this.#started.get(key) ?? this.restart(key, operation, notBefore);
  }

  /** Starts `operation` for `key` afresh (a new deployment of a service, say). */
  restart(key: string, operation: Operation, notBefore = this.clock.now()): Provisioning {
    const startsAt = Math.max(notBefore, this.clock.now());
    const seconds = this.#draw(operation);
    const started = { key, operation, startsAt, seconds, readyAt: startsAt + seconds };
    this.#started.set(key, started);
    this.log.push(started);
    return started;
  }

  get(key: string): Provisioning | undefined {
    return this.#started.get(key);
  }

  forget(key: string): void {
    this.#started.delete(key);
  }

  /** Whether `key` was started and is ready now. */
  ready(key: string): boolean {
    const started = this.#started.get(key);
    return started !== undefined && started.readyAt <= this.clock.now();
  }

  /** Waits until `key` is ready (a step whose calls themselves take that long). */
  async until(key: string): Promise<void> {
    const started = this.#started.get(key);
    if (started) await this.clock.sleep(started.readyAt - this.clock.now());
  }

  /** Waits for `count` API calls made `concurrency` at a time. */
  async calls(count: number, concurrency = 1): Promise<void> {
    await this.clock.sleep(Math.ceil(count / Math.max(1, concurrency)) * this.model.callSeconds);
  }
}
