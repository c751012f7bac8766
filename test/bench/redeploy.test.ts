// The benchmark's runs on its in-memory AWS: a deploy and down succeed in every mode, and redeploys change only what changed.
import { describe, expect, it } from 'vitest';
import { measurePair } from '../../bench/pair.ts';
import { CHANGED_SERVICE, changedServiceLowerBound, measureRedeploys } from '../../bench/redeploy.ts';
import type { Provisioning } from '../../bench/world.ts';
import { MODES } from '../../core/policy.ts';
import { DEFAULT_LATENCY_MODEL, latencyModel } from '../../engine/latency-model.ts';

/** Fast enough for a test: a modeled hour takes under two seconds. */
const model = latencyModel({ scale: 0.0005 }, { ...DEFAULT_LATENCY_MODEL, scale: 0.0005 });

const drawn = (key: string, seconds: number): Provisioning => ({
  key,
  operation: 'ecs:UpdateService',
  startsAt: 0,
  seconds,
  readyAt: seconds,
});

describe('benchmark runs on the in-memory AWS', () => {
  it.each(MODES)(
    'deploys and takes down a one-service project in %s mode',
    async (mode) => {
      const runs = await measurePair(1, mode, model);

      expect(runs.map((run) => [run.workflow, run.status, run.error ?? null])).toEqual([
        ['deploy', 'SUCCEEDED', null],
        ['down', 'SUCCEEDED', null],
      ]);
    },
    60_000,
  );

  it('redeploys 20 services unchanged with no build, revision or ECS deployment, and one changed with one of each', async () => {
    const measure = await measureRedeploys('development', model);

    expect(measure.first).toMatchObject({ builds: 10, revisions: 20, rollouts: 20 });
    expect(measure.noop).toMatchObject({ builds: 0, revisions: 0, rollouts: 0 });
    expect(measure.noop.transitions).toBeLessThan(measure.first.transitions);
    expect(measure.oneChange).toMatchObject({
      builds: 1,
      revisions: 1,
      rollouts: 1,
      service: CHANGED_SERVICE,
    });
    expect(measure.oneChange.lowerBound.path.map((step) => step.replace(/ \d+s$/, ''))).toEqual([
      `build ${CHANGED_SERVICE}`,
      `old ${CHANGED_SERVICE} tasks stop`,
      `service ${CHANGED_SERVICE}`,
    ]);
  }, 60_000);
});

describe('the lower bound of a one-service change', () => {
  it("is that service's last build, its old tasks stopping, then its rollout", () => {
    const bound = changedServiceLowerBound(
      [
        drawn('build:bench--perf--c0-s3:1', 90),
        drawn('build:bench--perf--c0-s3:11', 100),
        drawn('build:bench--perf--c0-s1:12', 500),
        drawn('service:c0-s3:2', 120),
        drawn('service:c0-s3:2:stop', 30),
        drawn('service:c0-s4:2', 400),
      ],
      { project: 'bench', environment: 'perf' },
      'c0-s3',
    );

    expect(bound.seconds).toBe(100 + 30 + 120);
  });
});
