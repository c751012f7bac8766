import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { runCli, SHOP_EXAMPLE } from '../support/cli.ts';

const dynamodb = mockClient(DynamoDBClient);
const callerIdentity = mockCallerIdentity();

const APP = {
  MODESHIFT_BUS: 'modeshift-prod-bus',
  MODESHIFT_TABLE: 'modeshift-prod-environments',
  MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
  MODESHIFT_DEPLOY_STATE_MACHINE: 'arn:aws:states:eu-west-1:123456789012:stateMachine:modeshift-prod-deploy',
  MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:eu-west-1:123456789012:stateMachine:modeshift-prod-down',
  MODESHIFT_STAGE: 'production',
  AWS_REGION: 'eu-west-1',
};

beforeEach(() => {
  dynamodb.reset();
  callerIdentity.answer();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});

describe('a command with no target', () => {
  const commands: Array<[string, string[]]> = [
    ['deploy', ['deploy', '-f', SHOP_EXAMPLE, '--env', 'pr-1', '--mode', 'dev']],
    ['down', ['down', '--env', 'pr-1', '--project', 'shop']],
    ['status', ['status', '--env', 'pr-1', '--project', 'shop']],
    ['history', ['history', '--env', 'pr-1', '--project', 'shop']],
    ['sweep', ['sweep']],
    ['graph --env', ['graph', '--env', 'pr-1', '--project', 'shop', '--out', join(tmpdir(), 'never.html')]],
  ];

  it.each(commands)(
    '%s stops, saying how to deploy modeshift or to pass --endpoint local',
    async (_, args) => {
      const result = await runCli(args);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error: --endpoint: no target: modeshift is not deployed here');
      expect(result.stderr).toContain('npx sst deploy');
      expect(result.stderr).toContain('--endpoint local');
      // Nothing was started or called: no local AWS, no account.
      expect(result.stderr).not.toContain('starting the local AWS');
      expect(callerIdentity.sts.calls()).toHaveLength(0);
    },
  );

  it('keeps refusing bad input first: a compose YAML syntax error names the file, line and column', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'modeshift-yaml-'));
    const file = join(folder, 'compose.yaml');
    writeFileSync(file, 'services:\n{web: 1}\n');

    const result = await runCli(['plan', '-f', file, '--env', 'pr-1', '--mode', 'dev']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: ${file}, line 2, column 1: YAML syntax error: Implicit map keys need to be followed by map values\n`,
    );
  });

  it('names a file given relative to the working folder as it was given', async () => {
    const result = await runCli(['status', '-f', 'test/fixtures/broken-yaml/compose.yaml', '--env', 'x']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: test\/fixtures\/broken-yaml\/compose\.yaml, line \d+, column \d+: YAML syntax error: /,
    );
  });
});

describe('a command with a deployed modeshift', () => {
  it('names the account, region and stage first, from the SDK credential chain and sts:GetCallerIdentity', async () => {
    dynamodb.on(GetItemCommand).resolves({});

    const result = await runCli(['status', '--env', 'pr-1', '--project', 'shop', '--json'], APP);

    expect(callerIdentity.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(result.stderr.split('\n')[0]).toBe(
      'target: AWS account 123456789012, region eu-west-1, modeshift stage production (as arn:aws:iam::123456789012:user/ci)',
    );
    // The record was looked up in the deployed app's table, and its absence said so.
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input.TableName).toBe(
      'modeshift-prod-environments',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no environment shop/pr-1 is recorded at table modeshift-prod-environments',
    );
  });
});
