import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockCallerIdentity } from '../support/caller-identity.ts';
import { runCli } from '../support/cli.ts';

const ssm = mockClient(SSMClient);
const callerIdentity = mockCallerIdentity();

/** modeshift deployed in the account: config commands use its Parameter Store. */
const APP = {
  MODESHIFT_BUS: 'modeshift-prod-bus',
  MODESHIFT_TABLE: 'modeshift-prod-environments',
  MODESHIFT_ARTIFACTS: 'modeshift-prod-artifacts',
  MODESHIFT_DEPLOY_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-deploy',
  MODESHIFT_DOWN_STATE_MACHINE: 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-prod-down',
};
const SHOP = ['--env', 'pr-42', '-f', 'examples/shop/compose.yaml'];

beforeEach(() => {
  callerIdentity.answer();
  ssm.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
});

describe('modeshift config set', () => {
  it('stores the value piped in, without the line break echo adds, under the compose file’s project', async () => {
    const result = await runCli(['config', 'set', 'API_KEY', ...SHOP], APP, { piped: 's3cret\n' });

    expect(result.code).toBe(0);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/modeshift/shop/pr-42/API_KEY',
      Value: 's3cret',
      Type: 'SecureString',
    });
    expect(result.stdout).toBe(
      'created config value API_KEY of shop/pr-42 (/modeshift/shop/pr-42/API_KEY, version 1)\n',
    );
    expect(result.stdout + result.stderr).not.toContain('s3cret');
  });

  it('keeps inner line breaks of a piped value', async () => {
    await runCli(['config', 'set', 'TLS_KEY', ...SHOP], APP, { piped: 'line one\nline two\n' });

    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Value: 'line one\nline two' });
  });

  it('asks at a terminal with a prompt that does not echo', async () => {
    const result = await runCli(['config', 'set', 'API_KEY', ...SHOP], APP, { typed: 'typed-value' });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('value of API_KEY (not shown): ');
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Value: 'typed-value' });
  });

  it('takes a value on the command line only through --value', async () => {
    const result = await runCli(['config', 'set', 'API_KEY', ...SHOP, '--value', 'from-flag'], APP);

    expect(result.code).toBe(0);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Value: 'from-flag' });

    const extra = await runCli(['config', 'set', 'API_KEY', 'from-argument', ...SHOP], APP);
    expect(extra.code).toBe(2);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
  });

  it('reports an update of an existing value, with --project instead of a compose file', async () => {
    ssm
      .on(PutParameterCommand, { Overwrite: false })
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }))
      .on(PutParameterCommand, { Overwrite: true })
      .resolves({ Version: 4 });

    const result = await runCli(
      ['config', 'set', 'API_KEY', '--env', 'main', '--project', 'billing', '--json'],
      APP,
      { piped: 'rotated' },
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'API_KEY',
      project: 'billing',
      environment: 'main',
      parameter: '/modeshift/billing/main/API_KEY',
      created: false,
      version: 4,
    });
  });

  it.each([
    [['bad-name'], { piped: 'x' }, 'error: NAME: "bad-name" is not an environment variable name'],
    [['API_KEY'], { piped: '\n' }, 'error: value: must not be empty'],
    [['API_KEY'], { piped: 'x'.repeat(4097) }, 'error: value: is 4097 bytes, more than the 4096'],
    [['API_KEY', '--value', ''], undefined, 'error: value: must not be empty'],
    [['API_KEY'], undefined, 'error: value: there is no standard input to read it from'],
  ] as const)('exits 2 for %j without storing anything', async (args, input, message) => {
    const result = await runCli(['config', 'set', ...args, ...SHOP], APP, input);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('exits 2 for a bad environment name, naming the field', async () => {
    const result = await runCli(['config', 'set', 'API_KEY', '--env', 'PR 42', '--project', 'shop'], APP, {
      piped: 'x',
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: environment: "PR 42" is not a DNS-safe environment name');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('refuses the embedded local AWS, whose values would not outlive the command', async () => {
    const result = await runCli(
      ['config', 'set', 'API_KEY', ...SHOP, '--endpoint', 'local'],
      {},
      { piped: 'x' },
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --endpoint: config values must outlive the command');
  });
});

describe('modeshift config ls', () => {
  it('lists names and last-modified times, never values', async () => {
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: '/modeshift/shop/pr-42/SMTP_PASSWORD', LastModifiedDate: new Date('2026-11-02T10:00:00Z') },
        { Name: '/modeshift/shop/pr-42/API_KEY', LastModifiedDate: new Date('2026-11-01T09:30:00Z') },
      ],
    });

    const table = await runCli(['config', 'ls', ...SHOP], APP);
    const json = await runCli(['config', 'ls', ...SHOP, '--json'], APP);

    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(0, 4)).toEqual([
      'name           last modified',
      '-------------  ------------------------',
      'API_KEY        2026-11-01T09:30:00.000Z',
      'SMTP_PASSWORD  2026-11-02T10:00:00.000Z',
    ]);
    expect(JSON.parse(json.stdout)).toEqual([
      { name: 'API_KEY', lastModified: '2026-11-01T09:30:00.000Z' },
      { name: 'SMTP_PASSWORD', lastModified: '2026-11-02T10:00:00.000Z' },
    ]);
    expect(ssm).toHaveReceivedCommandWith(GetParametersByPathCommand, { WithDecryption: false });
  });

  it('says so when the environment has none', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });

    const result = await runCli(['config', 'ls', ...SHOP], APP);

    expect(result.stdout).toBe('no config values for shop/pr-42 in your AWS account\n');
  });
});

describe('modeshift config rm', () => {
  it('deletes the value', async () => {
    ssm.on(DeleteParameterCommand).resolves({});

    const result = await runCli(['config', 'rm', 'API_KEY', ...SHOP], APP);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('removed config value API_KEY of shop/pr-42\n');
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: '/modeshift/shop/pr-42/API_KEY' });
  });

  it('exits 1 with a clear message for a value that is not set', async () => {
    ssm.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

    const result = await runCli(['config', 'rm', 'API_KEY', ...SHOP], APP);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'target: AWS account 123456789012, region us-east-1, modeshift stage (unknown: set MODESHIFT_STAGE) (as arn:aws:iam::123456789012:user/ci)\n' +
        'config value API_KEY is not set for shop/pr-42 in your AWS account: nothing removed (modeshift config ls lists what is)\n',
    );
  });
});
