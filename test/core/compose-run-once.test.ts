// Run-once services: what compose marks as one (service_completed_successfully, x-modeshift.run), and what a request refuses.
import { describe, expect, it } from 'vitest';
import { type ComposeOptions, composeToRequest } from '../../core/compose.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { planDeployment } from '../../core/plan.ts';
import { resolvePolicy } from '../../core/policy.ts';
import { composeRejection } from '../support/compose.ts';

const INLINE: ComposeOptions = {
  environment: 'pr-42',
  mode: 'development',
  deploymentId: 'deploy-0001',
  variables: {},
};

const MIGRATING = `name: shop
services:
  web:
    image: nginx
    ports: ["80:80"]
    depends_on:
      migrate:
        condition: service_completed_successfully
      seed:
        condition: service_completed_successfully
      api:
        condition: service_started
  api:
    image: nginx
    depends_on: [db]
  migrate:
    image: busybox
    command: ["./migrate"]
    depends_on: [db]
  seed:
    image: busybox
    depends_on: [migrate]
  db:
    image: postgres:16
    x-defang-postgres: true
`;

const problemsOf = (text: string) => composeRejection(text, INLINE).problems;

describe('compose input — run-once services', () => {
  it('runs a service another waits for with service_completed_successfully once, and the others as services', () => {
    const { request, warnings } = composeToRequest(MIGRATING, INLINE);

    const runs = Object.fromEntries(
      request.services.map((service) => [service.name, service.run ?? 'service']),
    );
    expect(runs).toEqual({ web: 'service', api: 'service', migrate: 'once', seed: 'once' });
    expect(warnings).toEqual([]);
  });

  it('runs a service marked x-modeshift.run: once once, with no other service waiting for it', () => {
    const { request } = composeToRequest(
      'name: shop\nservices:\n  web:\n    image: nginx\n  backfill:\n    image: busybox\n    x-modeshift:\n      run: once\n',
      INLINE,
    );

    expect(request.services.find((service) => service.name === 'backfill')?.run).toBe('once');
  });

  it('puts the run-once services in the order they depend on each other, before the rollout, and out of its waves', () => {
    const { request } = composeToRequest(MIGRATING, INLINE);
    const input = buildDeployInput(request, resolvePolicy('development'), new Date('2026-12-06T00:00:00Z'));

    expect(input.hasRunOnce).toBe(true);
    expect(input.runOnce.map((service) => [service.name, service.dependsOn])).toEqual([
      ['migrate', []],
      ['seed', ['migrate']],
    ]);
    expect(
      input.waves.map((wave) => wave.services.map((service) => [service.name, service.dependsOn])),
    ).toEqual([[['api', []]], [['web', ['api']]]]);
    expect(input.containers).toEqual(['web', 'api', 'migrate', 'seed']);
    expect(input.runOnce[0]?.database, 'a migration is wired to its database').toBe('db');
  });

  it('plans the run-once services as tasks before the rollout, not as ECS services', () => {
    const { request } = composeToRequest(MIGRATING, INLINE);
    const plan = planDeployment(request, resolvePolicy('development'));

    expect(plan.runOnce).toEqual(['migrate', 'seed']);
    expect(plan.waves).toEqual([['api'], ['web']]);
    const ecs = plan.resources.filter((resource) => resource.type.startsWith('AWS::ECS::'));
    expect(ecs.filter((resource) => resource.type === 'AWS::ECS::Service').map((r) => r.name)).toEqual([
      'web',
      'api',
    ]);
    expect(ecs.filter((resource) => resource.type === 'AWS::ECS::Task').map((r) => r.settings.runs)).toEqual([
      'before the rollout, step 1 of 2',
      'before the rollout, step 2 of 2',
    ]);
  });

  it('refuses a run value other than once, naming the field', () => {
    expect(
      problemsOf(
        'name: shop\nservices:\n  web:\n    image: nginx\n  job:\n    image: busybox\n    x-modeshift:\n      run: always\n',
      ),
    ).toEqual([
      {
        path: 'services.job.x-modeshift.run',
        message:
          '"always" is not a way to run a service: "once" runs it to completion before the services roll out',
      },
    ]);
  });

  it('refuses a public run-once service', () => {
    expect(
      problemsOf(
        'name: shop\nservices:\n  web:\n    image: nginx\n    depends_on:\n      job:\n        condition: service_completed_successfully\n  job:\n    image: nginx\n    ports: ["80:80"]\n',
      ),
    ).toEqual([
      {
        path: 'services.job.ports',
        message: 'a run-once service runs to completion and takes no traffic: it cannot be public',
      },
    ]);
  });

  it('refuses a run-once service that waits for a long-running one', () => {
    const problems = problemsOf(
      'name: shop\nservices:\n  web:\n    image: nginx\n  job:\n    image: busybox\n    depends_on: [web]\n    x-modeshift:\n      run: once\n',
    );

    expect(problems).toEqual([
      {
        path: 'services.job.depends_on[0]',
        message:
          '"web" is a long-running service: a run-once service runs before every service rolls out, so it can depend only on databases, caches and other run-once services',
      },
    ]);
  });

  it('refuses a file whose every service runs once', () => {
    expect(
      problemsOf('name: shop\nservices:\n  job:\n    image: busybox\n    x-modeshift:\n      run: once\n'),
    ).toEqual([
      {
        path: 'services',
        message: 'every service runs once or on a schedule: at least one must be a long-running service',
      },
    ]);
  });
});
