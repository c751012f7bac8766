import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDeployRequest } from '../../../../core/request.ts';
import {
  deleteConfigValue,
  listConfigValues,
  missingConfigValues,
  putConfigValue,
} from '../../../../functions/aws/ssm/config-values.ts';

const ssm = mockClient(SSMClient);
const client = () => new SSMClient({ region: 'us-east-1' });
const SCOPE = { project: 'shop', environment: 'pr-42' };

beforeEach(() => {
  ssm.reset();
});

/** A deploy request whose one service reads `names` as config values. */
function requestNeeding(names: readonly string[]) {
  return parseDeployRequest({
    project: 'shop',
    environment: 'pr-42',
    mode: 'development',
    deploymentId: 'd-1',
    services: [{ name: 'api', image: 'nginx:1.27', secrets: [...names] }],
  });
}

describe('putConfigValue', () => {
  it('creates a new value as a SecureString tagged with its project and environment', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });

    const result = await putConfigValue(client(), SCOPE, 'API_KEY', 's3cret');

    expect(result).toEqual({ created: true, version: 1 });
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/modeshift/shop/pr-42/API_KEY',
      Value: 's3cret',
      Type: 'SecureString',
      Overwrite: false,
      Tags: [
        { Key: 'modeshift:project', Value: 'shop' },
        { Key: 'modeshift:environment', Value: 'pr-42' },
      ],
    });
  });

  it('overwrites an existing value without tags, which Parameter Store refuses together with Overwrite', async () => {
    ssm
      .on(PutParameterCommand, { Overwrite: false })
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }))
      .on(PutParameterCommand, { Overwrite: true })
      .resolves({ Version: 3 });

    const result = await putConfigValue(client(), SCOPE, 'API_KEY', 'rotated');

    expect(result).toEqual({ created: false, version: 3 });
    const overwrite = ssm.commandCalls(PutParameterCommand)[1]?.args[0].input;
    expect(overwrite).toEqual({
      Name: '/modeshift/shop/pr-42/API_KEY',
      Value: 'rotated',
      Type: 'SecureString',
      Overwrite: true,
    });
  });

  it('passes any other refusal on', async () => {
    ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(putConfigValue(client(), SCOPE, 'API_KEY', 'x')).rejects.toThrow('denied');
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
  });
});

describe('listConfigValues', () => {
  it('reads every page one level under the path, without decrypting, sorted by name', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({
        Parameters: [
          { Name: '/modeshift/shop/pr-42/SMTP_PASSWORD', LastModifiedDate: new Date('2026-11-02T10:00:00Z') },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Parameters: [
          { Name: '/modeshift/shop/pr-42/API_KEY', LastModifiedDate: new Date('2026-11-01T09:30:00Z') },
        ],
      });

    const entries = await listConfigValues(client(), SCOPE);

    expect(entries).toEqual([
      { name: 'API_KEY', lastModified: '2026-11-01T09:30:00.000Z' },
      { name: 'SMTP_PASSWORD', lastModified: '2026-11-02T10:00:00.000Z' },
    ]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersByPathCommand, 1, {
      Path: '/modeshift/shop/pr-42',
      Recursive: false,
      WithDecryption: false,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersByPathCommand, 2, { NextToken: 'page-2' });
  });

  it('returns no values, even when a response carries one', async () => {
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [{ Name: '/modeshift/shop/pr-42/API_KEY', Value: 'leaked', LastModifiedDate: new Date(0) }],
    });

    const entries = await listConfigValues(client(), SCOPE);

    expect(JSON.stringify(entries)).not.toContain('leaked');
  });
});

describe('deleteConfigValue', () => {
  it('deletes the parameter', async () => {
    ssm.on(DeleteParameterCommand).resolves({});

    expect(await deleteConfigValue(client(), SCOPE, 'API_KEY')).toBe(true);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: '/modeshift/shop/pr-42/API_KEY' });
  });

  it('says so when the value was not set', async () => {
    ssm.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

    expect(await deleteConfigValue(client(), SCOPE, 'API_KEY')).toBe(false);
  });
});

describe('missingConfigValues', () => {
  it('asks nothing when the services need no config value', async () => {
    const problems = await missingConfigValues(requestNeeding([]), client());

    expect(problems).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('asks in batches of ten, without decrypting, and reports each name Parameter Store calls invalid', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `VALUE_${String(i).padStart(2, '0')}`);
    const unset = new Set(['VALUE_03', 'VALUE_17', 'VALUE_22']);
    ssm.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
      Parameters: Names.filter((name) => !unset.has(name.split('/').pop() ?? '')).map((Name) => ({ Name })),
      InvalidParameters: Names.filter((name) => unset.has(name.split('/').pop() ?? '')),
    }));

    const problems = await missingConfigValues(requestNeeding(names), client());

    expect(problems.map((problem) => problem.path)).toEqual([
      'services.api.environment.VALUE_03',
      'services.api.environment.VALUE_17',
      'services.api.environment.VALUE_22',
    ]);
    const batches = ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input);
    expect(batches.map((input) => input.Names?.length)).toEqual([10, 10, 3]);
    expect(batches.every((input) => input.WithDecryption === false)).toBe(true);
    expect(batches[0]?.Names?.[0]).toBe('/modeshift/shop/pr-42/VALUE_00');
  });

  it('counts a name that comes back neither found nor invalid as missing', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/modeshift/shop/pr-42/API_KEY' }] });

    const problems = await missingConfigValues(requestNeeding(['API_KEY', 'QUEUE_TOKEN']), client());

    expect(problems).toEqual([
      {
        path: 'services.api.environment.QUEUE_TOKEN',
        message:
          'config value QUEUE_TOKEN is not set: modeshift config set QUEUE_TOKEN --env pr-42 --project shop',
      },
    ]);
  });

  it('refuses a deploy whose build arg reads a config value that is not set, at the build arg', async () => {
    ssm.on(GetParametersCommand).resolves({ InvalidParameters: ['/modeshift/shop/pr-42/NPM_TOKEN'] });
    const request = parseDeployRequest({
      project: 'shop',
      environment: 'pr-42',
      mode: 'development',
      deploymentId: 'd-1',
      services: [{ name: 'web', build: { context: 's3://artifacts/web.tar.gz', configArgs: ['NPM_TOKEN'] } }],
    });

    const problems = await missingConfigValues(request, client());

    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
      Names: ['/modeshift/shop/pr-42/NPM_TOKEN'],
    });
    expect(problems).toEqual([
      {
        path: 'services.web.build.args.NPM_TOKEN',
        message:
          'config value NPM_TOKEN is not set: modeshift config set NPM_TOKEN --env pr-42 --project shop',
      },
    ]);
  });
});
