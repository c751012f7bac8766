import { describe, expect, it } from 'vitest';
import {
  CONFIG_VALUE_MAX_BYTES,
  checkConfigName,
  checkConfigValue,
  configNameOf,
  configParameterName,
  configPath,
  missingConfigProblem,
  neededConfigValues,
} from '../../core/config-values.ts';
import { parseDeployRequest } from '../../core/request.ts';

const SCOPE = { project: 'shop', environment: 'pr-42' };

/** The InputError problems `act` throws. */
function problemsOf(act: () => void) {
  try {
    act();
  } catch (error) {
    return (error as { problems?: unknown }).problems;
  }
  return undefined;
}

describe('config values — where they are stored', () => {
  it('keeps each value at /modeshift/<project>/<environment>/<NAME>', () => {
    expect(configParameterName(SCOPE, 'API_KEY')).toBe('/modeshift/shop/pr-42/API_KEY');
    expect(configPath(SCOPE)).toBe('/modeshift/shop/pr-42');
  });

  it('reads a config name back from a parameter directly under the path, and from no other', () => {
    expect(configNameOf(SCOPE, '/modeshift/shop/pr-42/API_KEY')).toBe('API_KEY');
    expect(configNameOf(SCOPE, '/modeshift/shop/pr-42/deeper/API_KEY')).toBeUndefined();
    expect(configNameOf(SCOPE, '/modeshift/shop/pr-4/API_KEY')).toBeUndefined();
    expect(configNameOf(SCOPE, '/modeshift/shop/pr-42/')).toBeUndefined();
  });
});

describe('config values — what is accepted', () => {
  it('takes an environment variable name and refuses anything else, naming the field', () => {
    expect(() => checkConfigName('API_KEY')).not.toThrow();
    expect(() => checkConfigName('_private2')).not.toThrow();

    expect(problemsOf(() => checkConfigName('api-key'))).toEqual([
      { path: 'NAME', message: expect.stringContaining('"api-key" is not an environment variable name') },
    ]);
    expect(problemsOf(() => checkConfigName('2FA'))).toEqual([
      { path: 'NAME', message: expect.stringContaining('not an environment variable name') },
    ]);
    expect(problemsOf(() => checkConfigName('A/B'))).toEqual([expect.objectContaining({ path: 'NAME' })]);
  });

  it('refuses an empty value', () => {
    expect(problemsOf(() => checkConfigValue(''))).toEqual([{ path: 'value', message: 'must not be empty' }]);
  });

  it('takes up to 4 KiB and refuses more, counting bytes rather than characters', () => {
    expect(() => checkConfigValue('a'.repeat(CONFIG_VALUE_MAX_BYTES))).not.toThrow();

    expect(problemsOf(() => checkConfigValue('a'.repeat(CONFIG_VALUE_MAX_BYTES + 1)))).toEqual([
      {
        path: 'value',
        message: 'is 4097 bytes, more than the 4096 a standard Parameter Store parameter holds',
      },
    ]);
    // 2,049 two-byte characters: under 4096 characters, over 4096 bytes.
    expect(problemsOf(() => checkConfigValue('é'.repeat(2049)))).toEqual([
      expect.objectContaining({ path: 'value', message: expect.stringMatching(/^is 4098 bytes/) }),
    ]);
  });
});

describe('config values — what a deploy needs', () => {
  const request = parseDeployRequest({
    project: 'shop',
    environment: 'pr-42',
    mode: 'development',
    deploymentId: 'd-1',
    services: [
      { name: 'api', image: 'nginx:1.27', secrets: ['DATABASE_PASSWORD', 'API_KEY'], dependsOn: ['db'] },
      { name: 'worker', image: 'nginx:1.27', secrets: ['API_KEY', 'QUEUE_TOKEN'] },
      { name: 'web', image: 'nginx:1.27', environment: { API_KEY: 'public-on-purpose' } },
    ],
    databases: [{ name: 'db' }],
  });

  it('lists the config values the services read, with the services that read each, not database passwords', () => {
    expect(neededConfigValues(request)).toEqual(
      new Map([
        ['API_KEY', ['api', 'worker']],
        ['QUEUE_TOKEN', ['worker']],
      ]),
    );
  });

  it('needs the config values a service’s build args read, after its own variables', () => {
    const built = parseDeployRequest({
      project: 'shop',
      environment: 'pr-42',
      mode: 'development',
      deploymentId: 'd-1',
      services: [
        {
          name: 'web',
          build: { context: 's3://artifacts/web.tar.gz', configArgs: ['NPM_TOKEN'] },
          secrets: ['API_KEY'],
        },
        { name: 'admin', build: { context: 's3://artifacts/admin.tar.gz', configArgs: ['NPM_TOKEN'] } },
      ],
    });

    expect(neededConfigValues(built)).toEqual(
      new Map([
        ['API_KEY', ['web']],
        ['NPM_TOKEN', ['web', 'admin']],
      ]),
    );
  });

  it('needs a service’s password variable as a config value when it depends on no managed database', () => {
    const standalone = parseDeployRequest({
      project: 'shop',
      environment: 'pr-42',
      mode: 'development',
      deploymentId: 'd-1',
      services: [{ name: 'api', image: 'nginx:1.27', secrets: ['DATABASE_PASSWORD'] }],
    });

    expect([...neededConfigValues(standalone).keys()]).toEqual(['DATABASE_PASSWORD']);
  });

  it('words a missing value as the variable of the first service that reads it, with the command that sets it', () => {
    expect(missingConfigProblem(SCOPE, 'API_KEY', ['api', 'worker'])).toEqual({
      path: 'services.api.environment.API_KEY',
      message:
        'config value API_KEY is not set (also needed by worker): modeshift config set API_KEY --env pr-42 --project shop',
    });
    expect(missingConfigProblem(SCOPE, 'QUEUE_TOKEN', ['worker']).message).toBe(
      'config value QUEUE_TOKEN is not set: modeshift config set QUEUE_TOKEN --env pr-42 --project shop',
    );
  });
});
