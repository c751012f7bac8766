// Scheduled jobs: x-modeshift.schedule, the expressions EventBridge Scheduler takes, and what a request refuses.
import { describe, expect, it } from 'vitest';
import { type ComposeOptions, composeToRequest } from '../../core/compose.ts';
import { estimateCost } from '../../core/estimate.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { planDeployment } from '../../core/plan.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { BUNDLED_PRICES } from '../../core/prices.ts';
import { scheduleExpressionProblem } from '../../core/request.ts';
import { composeRejection } from '../support/compose.ts';

const INLINE: ComposeOptions = {
  environment: 'pr-42',
  mode: 'development',
  deploymentId: 'deploy-0001',
  variables: {},
};

const WITH_JOB = `name: shop
services:
  web:
    image: nginx
    ports: ["80:80"]
    depends_on: [db]
  nightly:
    image: busybox
    command: ["./report"]
    depends_on: [db, web]
    x-modeshift:
      schedule: "cron(0 3 * * ? *)"
  db:
    image: postgres:16
    x-defang-postgres: true
`;

const problemsOf = (text: string, options: Partial<ComposeOptions> = {}) =>
  composeRejection(text, { ...INLINE, ...options }).problems;

const oneJob = (schedule: string) =>
  `name: shop\nservices:\n  web:\n    image: nginx\n  job:\n    image: busybox\n    x-modeshift:\n      schedule: "${schedule}"\n`;

describe('compose input — scheduled jobs', () => {
  it('makes a service with x-modeshift.schedule a job: not a wave, not run once, with its schedule and its database', () => {
    const { request, warnings } = composeToRequest(WITH_JOB, INLINE);
    const input = buildDeployInput(request, resolvePolicy('development'), new Date('2026-12-01T00:00:00Z'));

    expect(warnings).toEqual([]);
    expect(input.waves.flatMap((wave) => wave.services.map((service) => service.name))).toEqual(['web']);
    expect(input.runOnce).toEqual([]);
    expect(input.jobs.map((job) => [job.name, job.schedule, job.database, job.dependsOn])).toEqual([
      ['nightly', 'cron(0 3 * * ? *)', 'db', []],
    ]);
    expect(input.containers).toEqual(['web', 'nightly']);
    expect(input.scheduleState).toBe('ENABLED');
  });

  it("plans the schedule and its group, not an ECS service, and leaves the job's tasks out of the monthly estimate", () => {
    const { request } = composeToRequest(WITH_JOB, INLINE);
    const resolved = resolvePolicy('development');
    const plan = planDeployment(request, resolved);

    expect(plan.jobs).toEqual([{ name: 'nightly', schedule: 'cron(0 3 * * ? *)' }]);
    expect(plan.waves).toEqual([['web']]);
    const planned = (type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.name);
    expect(planned('AWS::Scheduler::Schedule')).toEqual(['shop--pr-42/nightly']);
    expect(planned('AWS::Scheduler::ScheduleGroup')).toEqual(['shop--pr-42']);
    expect(planned('AWS::ECS::Service')).toEqual(['web']);
    expect(plan.resources.find((r) => r.type === 'AWS::Scheduler::Schedule')?.settings).toMatchObject({
      schedule: 'cron(0 3 * * ? *) UTC',
      state: 'ENABLED',
      capacityProvider: 'FARGATE',
    });

    const withoutJob = composeToRequest(
      WITH_JOB.replace(/ {2}nightly:[\s\S]*?(?= {2}db:)/, ''),
      INLINE,
    ).request;
    expect(withoutJob.services.map((service) => service.name)).toEqual(['web']);
    const withJob = estimateCost(request, resolved, BUNDLED_PRICES);
    const changed = withJob.items.filter(
      (item) =>
        !estimateCost(withoutJob, resolved, BUNDLED_PRICES).items.some(
          (other) => other.resource === item.resource && other.monthly === item.monthly,
        ),
    );
    // Its runs' logs are counted as a service's are; the tasks of its runs are not.
    expect(changed.map((item) => item.resource)).toEqual(['logs ingested']);
    expect(withJob.items.filter((item) => item.resource.includes('nightly'))).toEqual([]);
  });

  it('pauses the schedules of a development deploy that asks to, and refuses the same in staging and production', () => {
    const paused = composeToRequest(WITH_JOB, { ...INLINE, pauseSchedules: true });
    const input = buildDeployInput(paused.request, resolvePolicy('development'), new Date());
    expect(input.scheduleState).toBe('DISABLED');

    for (const mode of ['staging', 'production'])
      expect(problemsOf(WITH_JOB, { mode, pauseSchedules: true, confirm: 'pr-42' })).toContainEqual({
        path: 'pauseSchedules',
        message:
          'only a development environment may pause its scheduled jobs: in staging and production a paused job is a job that silently does not run',
      });
  });

  it.each([
    'cron(0 3 * * ? *)',
    'cron(*/15 * ? * MON-FRI *)',
    'cron(0 12 1 * ? 2027)',
    'rate(1 minute)',
    'rate(15 minutes)',
    'rate(1 day)',
  ])('takes %s', (schedule) => {
    expect(scheduleExpressionProblem(schedule)).toBeUndefined();
    expect(composeToRequest(oneJob(schedule), INLINE).request.services[1]?.schedule).toBe(schedule);
  });

  it.each([
    [
      'cron(0 3 * * *)',
      'has 5 cron fields, not 6 (minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *)',
    ],
    ['cron(0 3 * * MON *)', 'needs ? in exactly one of day-of-month and day-of-week, e.g. cron(0 3 * * ? *)'],
    ['cron(0 3 ? * ? *)', 'needs ? in exactly one of day-of-month and day-of-week, e.g. cron(0 3 * * ? *)'],
    ['rate(1 minutes)', 'needs "minute" for 1'],
    ['rate(5 hour)', 'needs "hours" for 5'],
    [
      'rate(0 days)',
      'is not a rate: a whole number ≥ 1 and minute(s), hour(s) or day(s), e.g. rate(15 minutes)',
    ],
    [
      'rate(2 weeks)',
      'is not a rate: a whole number ≥ 1 and minute(s), hour(s) or day(s), e.g. rate(15 minutes)',
    ],
    [
      '0 3 * * *',
      'is not a schedule: cron(…) with six fields, e.g. cron(0 3 * * ? *), or rate(…), e.g. rate(1 hour)',
    ],
  ])('refuses %s, naming the field and the problem', (schedule, problem) => {
    expect(problemsOf(oneJob(schedule))).toEqual([
      { path: 'services.job.x-modeshift.schedule', message: `"${schedule}" ${problem}` },
    ]);
  });

  it('refuses a public job, a job that also runs once, a service that waits for a job, and a file of jobs only', () => {
    expect(
      problemsOf(
        'name: shop\nservices:\n  web:\n    image: nginx\n  job:\n    image: nginx\n    ports: ["80:80"]\n    x-modeshift:\n      schedule: "rate(1 hour)"\n',
      ),
    ).toEqual([
      {
        path: 'services.job.ports',
        message: 'a scheduled job runs to completion and takes no traffic: it cannot be public',
      },
    ]);
    expect(
      problemsOf(
        'name: shop\nservices:\n  web:\n    image: nginx\n  job:\n    image: busybox\n    x-modeshift:\n      run: once\n      schedule: "rate(1 hour)"\n',
      ),
    ).toEqual([
      {
        path: 'services.job.x-modeshift.schedule',
        message: 'a service runs once before the rollout or on a schedule, not both',
      },
    ]);
    expect(
      problemsOf(
        'name: shop\nservices:\n  web:\n    image: nginx\n    depends_on: [job]\n  job:\n    image: busybox\n    x-modeshift:\n      schedule: "rate(1 hour)"\n',
      ),
    ).toEqual([
      {
        path: 'services.web.depends_on[0]',
        message:
          '"job" is a scheduled job: it runs on its schedule, not before other services start, so nothing can depend on it',
      },
    ]);
    expect(
      problemsOf(
        'name: shop\nservices:\n  job:\n    image: busybox\n    x-modeshift:\n      schedule: "rate(1 hour)"\n',
      ),
    ).toEqual([
      {
        path: 'services',
        message: 'every service runs once or on a schedule: at least one must be a long-running service',
      },
    ]);
  });
});
