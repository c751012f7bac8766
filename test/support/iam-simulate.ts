/**
 * Whether an identity policy allows a request, as AWS evaluates it
 * (@cloud-copilot/iam-simulate): the local AWS enforces no IAM, so what a
 * role may do is checked here.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

export async function isAllowed(
  policy: unknown,
  request: {
    principal: string;
    action: string;
    resource: string;
    /** Condition keys of the request (`aws:ResourceTag/modeshift:project`). @default {} */
    context?: Record<string, string | string[]>;
  },
): Promise<boolean> {
  const account = /^arn:aws:iam::(\d{12}):/.exec(request.principal)?.[1] ?? '';
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'policy', policy: policy as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: request.context ?? {},
      },
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(
      `IAM simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult === 'Allowed';
}
