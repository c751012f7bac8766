/**
 * STS mocked as a deployed modeshift's account sees it, for the CLI tests
 * that run with MODESHIFT_* variables: every command names the account and
 * region it acts in (cli/aws-target.ts) from `sts:GetCallerIdentity`.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export const CALLER = {
  Account: '123456789012',
  Arn: 'arn:aws:iam::123456789012:user/ci',
  UserId: 'AIDAEXAMPLE',
} as const;

/** Mocks STS for the test file; call its `answer()` in a beforeEach after resets. */
export function mockCallerIdentity() {
  const sts = mockClient(STSClient);
  return {
    sts,
    answer() {
      sts.reset();
      sts.on(GetCallerIdentityCommand).resolves(CALLER);
    },
  };
}
