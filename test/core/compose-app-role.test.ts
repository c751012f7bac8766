// The app's task role: x-modeshift.role (a pre-created role under /modeshift-app/) or
// x-modeshift.policies (a role modeshift creates), and what a request refuses.
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

const ROLE = 'arn:aws:iam::123456789012:role/modeshift-app/shop-api';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const QUEUE = 'arn:aws:iam::123456789012:policy/shop/queue-writer';

const withAccess = (access: string) =>
  `name: shop\nservices:\n  web:\n    image: nginx\n  api:\n    image: nginx\n    x-modeshift:\n${access}`;

const problemsOf = (text: string, options: Partial<ComposeOptions> = {}) =>
  composeRejection(text, { ...INLINE, ...options }).problems;

describe('compose input — the app role', () => {
  it('takes managed policies for a role modeshift creates, and a pre-created role as it is', () => {
    const created = composeToRequest(withAccess(`      policies: [${S3_READ}, ${QUEUE}]\n`), INLINE).request;
    expect(created.services.find((service) => service.name === 'api')?.policies).toEqual([S3_READ, QUEUE]);

    const named = composeToRequest(withAccess(`      role: ${ROLE}\n`), INLINE).request;
    expect(named.services.find((service) => service.name === 'api')?.role).toBe(ROLE);
  });

  it('gives a created role to the services with policies, and in modes with ECS Exec to every service without a pre-created role', () => {
    const { request } = composeToRequest(withAccess(`      policies: [${S3_READ}]\n`), INLINE);
    const input = (mode: 'development' | 'production') =>
      buildDeployInput({ ...request, mode }, resolvePolicy(mode), new Date('2026-12-01T00:00:00Z'));

    expect(input('development').taskRoles).toEqual(['web', 'api']);
    expect(input('production').taskRoles).toEqual(['api']);
    expect(
      input('development')
        .waves.flatMap((wave) => wave.services)
        .find((s) => s.name === 'api')?.policies,
    ).toEqual([S3_READ]);

    const named = composeToRequest(withAccess(`      role: ${ROLE}\n`), INLINE).request;
    expect(buildDeployInput(named, resolvePolicy('development'), new Date()).taskRoles).toEqual(['web']);
  });

  it('plans each task role: policies with the boundary, the Exec channel alone, a pre-created one, or none', () => {
    const { request } = composeToRequest(withAccess(`      policies: [${S3_READ}]\n`), INLINE);
    const taskRoles = (mode: 'development' | 'production') =>
      Object.fromEntries(
        planDeployment({ ...request, mode }, resolvePolicy(mode))
          .resources.filter((resource) => resource.type === 'AWS::ECS::TaskDefinition')
          .map((resource) => [resource.name, resource.settings.taskRole]),
      );

    expect(taskRoles('development')).toEqual({
      'shop--pr-42--web': 'shop--pr-42--web.task (ECS Exec channel only; app boundary)',
      'shop--pr-42--api': `shop--pr-42--api.task (${S3_READ}, ECS Exec channel; app boundary)`,
    });
    expect(taskRoles('production')).toEqual({
      'shop--pr-42--web': 'none',
      'shop--pr-42--api': `shop--pr-42--api.task (${S3_READ}; app boundary)`,
    });
  });

  it('refuses policies in production, naming the rule, and takes a pre-created role there', () => {
    expect(problemsOf(withAccess(`      policies: [${S3_READ}]\n`), { mode: 'production' })).toEqual([
      {
        path: 'services.api.x-modeshift.policies',
        message:
          'production takes only a pre-created role (x-modeshift.role, under /modeshift-app/), not policies: its permissions are reviewed and owned by the team, not attached at deploy time',
      },
    ]);
    const { request } = composeToRequest(withAccess(`      role: ${ROLE}\n`), {
      ...INLINE,
      mode: 'production',
    });
    expect(request.services.find((service) => service.name === 'api')?.role).toBe(ROLE);
  });

  it.each([
    [
      `      role: arn:aws:iam::123456789012:role/admin\n`,
      'services.api.x-modeshift.role',
      '"arn:aws:iam::123456789012:role/admin" is not a role under /modeshift-app/ (arn:aws:iam::<account>:role/modeshift-app/<name>): modeshift hands a task only roles created for its apps',
    ],
    [
      `      role: arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--web\n`,
      'services.api.x-modeshift.role',
      '"arn:aws:iam::123456789012:role/modeshift/shop/pr-42/shop--pr-42--web" is not a role under /modeshift-app/ (arn:aws:iam::<account>:role/modeshift-app/<name>): modeshift hands a task only roles created for its apps',
    ],
    [
      `      policies: [AmazonS3ReadOnlyAccess]\n`,
      'services.api.x-modeshift.policies[0]',
      '"AmazonS3ReadOnlyAccess" is not a managed policy ARN (arn:aws:iam::aws:policy/… or arn:aws:iam::<account>:policy/…)',
    ],
    [
      `      role: ${ROLE}\n      policies: [${S3_READ}]\n`,
      'services.api.x-modeshift.policies',
      'a service takes a pre-created role or policies for a role modeshift creates, not both',
    ],
    [
      `      policies: [${Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(', ')}]\n`,
      'services.api.x-modeshift.policies',
      'lists more than 10 policies, the most IAM attaches to one role by default',
    ],
  ])('refuses %s naming the field', (access, path, message) => {
    expect(problemsOf(withAccess(access))).toEqual([{ path, message }]);
  });
});
