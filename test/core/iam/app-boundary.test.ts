// The app boundary, evaluated as AWS does (@cloud-copilot/iam-simulate): whatever a task role's
// own policies grant (here: everything), the boundary lets through the app's own AWS work and
// stops IAM changes, modeshift's tagged resources and modeshift's own app.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { appBoundaryDocument } from '../../../core/iam/app-boundary.ts';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/modeshift/shop/pr-42/shop--pr-42--api.task`;
const EVERYTHING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

async function allowedUnderBoundary(
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<boolean> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'everything', policy: EVERYTHING as never }],
      permissionBoundaryPolicies: [{ name: 'boundary', policy: JSON.parse(appBoundaryDocument()) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: ROLE,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: context,
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult === 'Allowed';
}

describe('the app boundary', () => {
  it("lets the app's own AWS work through", async () => {
    expect(await allowedUnderBoundary('s3:GetObject', 'arn:aws:s3:::shop-reports/2026/12.csv')).toBe(true);
    expect(
      await allowedUnderBoundary('sqs:SendMessage', `arn:aws:sqs:us-east-1:${ACCOUNT}:shop-orders`),
    ).toBe(true);
  });

  it('stops IAM changes, whatever the role grants itself', async () => {
    expect(await allowedUnderBoundary('iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/backdoor`)).toBe(false);
    expect(await allowedUnderBoundary('iam:PutRolePolicy', ROLE)).toBe(false);
    expect(await allowedUnderBoundary('iam:DeleteRolePermissionsBoundary', ROLE)).toBe(false);
  });

  it("stops every resource modeshift tags, this environment's or another's", async () => {
    const tagged = { 'aws:ResourceTag/modeshift:project': 'shop' };
    expect(
      await allowedUnderBoundary(
        'rds:DeleteDBInstance',
        `arn:aws:rds:us-east-1:${ACCOUNT}:db:shop-pr-42-db-1a2b3c4d`,
        tagged,
      ),
    ).toBe(false);
    expect(
      await allowedUnderBoundary(
        'ecs:UpdateService',
        `arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop--main/web`,
        tagged,
      ),
    ).toBe(false);
  });

  it("stops modeshift's own app: its workflows, table, bus, artifacts and config values", async () => {
    for (const [action, resource] of [
      ['states:StartExecution', `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:modeshift-prod-deploy`],
      ['dynamodb:PutItem', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/modeshift-environments`],
      ['events:PutEvents', `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/modeshift`],
      ['s3:GetObject', 'arn:aws:s3:::modeshift-artifacts/shop/main/web/ctx.tar.gz'],
      ['ssm:GetParameter', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/modeshift/shop/prod/STRIPE_KEY`],
      ['lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:modeshift-prod-DeleteServices`],
    ])
      expect(await allowedUnderBoundary(action as string, resource as string), `${action} ${resource}`).toBe(
        false,
      );
  });
});
