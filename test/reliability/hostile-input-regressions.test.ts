// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `$${VAR}` escapes are what these tests feed in
/**
 * Inputs the hostile-input properties found accepted-but-invalid or crashing,
 * each pinned as one example so the fix stays (plus one found while reading
 * the validation they exercise: secrets named like Object.prototype members).
 */
import { describe, expect, it } from 'vitest';
import { ComposeError, composeToRequest } from '../../core/compose.ts';
import { isInputError, type Problem } from '../../core/errors.ts';
import { type DeployRequestInput, parseDeployRequest } from '../../core/request.ts';
import { prepareDeploy } from '../../functions/deploy-requested.ts';
import { countReliability } from './stats.ts';

const NOW = new Date('2026-11-26T08:00:00Z');

function request(
  patch: Partial<DeployRequestInput> = {},
  service: Record<string, unknown> = {},
): DeployRequestInput {
  return {
    project: 'shop',
    environment: 'main',
    mode: 'development',
    deploymentId: 'deploy-1',
    services: [{ name: 'web', image: 'nginx:1.27', ports: [80], public: true, ...service }],
    databases: [{ name: 'db' }],
    ...patch,
  };
}

/** The problems the handler's request path (validate, resolve, build the input) refuses `input` with. */
function problemsOf(input: unknown): readonly Problem[] {
  countReliability('hostileInputsTried');
  try {
    prepareDeploy(input, NOW);
  } catch (error) {
    if (isInputError(error)) return error.problems;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('names AWS reserves as prefixes', () => {
  it.each([
    ['internal', 'main', 'load balancer name "internal--main"', 'internal-'],
    ['sg', 'main', 'security group name "sg--main-alb"', 'sg-'],
    ['sthree', 'main', 'S3 access-log bucket name "sthree--main-lb-logs-<hash>"', 'sthree-'],
    ['amzn-s3-demo', 'x1', 'S3 access-log bucket name "amzn-s3-demo--x1-lb-logs-<hash>"', 'amzn-s3-demo-'],
  ])(
    'refuses project %s with environment %s, naming the derived name and the prefix',
    (project, environment, name, prefix) => {
      expect(problemsOf(request({ project, environment }))).toEqual([
        {
          path: 'project',
          message: expect.stringContaining(`${name}, and AWS refuses names starting with "${prefix}"`),
        },
      ]);
    },
  );

  it('still accepts a project that merely contains those words', () => {
    countReliability('hostileInputsTried');
    expect(() => parseDeployRequest(request({ project: 'internals', environment: 'sg' }))).not.toThrow();
  });
});

describe('environment size counted in UTF-8 bytes', () => {
  it('refuses 10 000 emoji (40 000 bytes, 20 000 UTF-16 units) in one value', () => {
    expect(problemsOf(request({}, { environment: { ICONS: '🚀'.repeat(10_000) } }))).toEqual([
      {
        path: 'services[0].environment',
        message: expect.stringContaining('40005 bytes of environment variables exceed 32768'),
      },
    ]);
  });
});

describe('domain lengths: certificate wildcard and service hostnames', () => {
  /** A domain of `length` characters: 63-character labels ending in `.com`. */
  const domainOf = (length: number) => {
    const labels: string[] = [];
    let left = length - 4;
    while (left > 0) {
      const size = Math.min(63, left === 64 ? 62 : left);
      labels.push('a'.repeat(size));
      left -= size + 1;
    }
    return `${labels.join('.')}.com`;
  };

  it('refuses a domain whose environment zone leaves no room for the wildcard "*."', () => {
    const domain = domainOf(247);
    const zone = `main.${domain}`;
    expect(zone).toHaveLength(252);

    expect(problemsOf(request({ domain }))).toEqual([
      {
        path: 'domain',
        message: expect.stringContaining(
          `the environment's zone "${zone}" is 252 characters; with its certificate's wildcard`,
        ),
      },
    ]);
  });

  it('refuses a public service whose hostname under the request domain is over 253 characters', () => {
    const domain = domainOf(240);

    expect(problemsOf(request({ domain }, { name: 'frontend-web' }))).toEqual([
      { path: 'services[0].name', message: expect.stringContaining('characters long (DNS allows 253)') },
    ]);
  });
});

describe('dependsOn lists', () => {
  it('refuses 130 000 entries with one problem instead of overflowing the stack', () => {
    const problems = problemsOf(request({}, { dependsOn: Array(130_000).fill('db') }));

    expect(problems).toEqual([
      { path: 'services[0].dependsOn', message: 'lists more than 1000 dependencies' },
    ]);
  });

  it('refuses a dependency listed twice', () => {
    expect(problemsOf(request({}, { dependsOn: ['db', 'db'] }))).toEqual([
      { path: 'services[0].dependsOn[1]', message: '"db" is listed twice' },
    ]);
  });
});

describe('task definition size', () => {
  it('refuses a command of 60 000 bytes, which would make the task definition larger than ECS takes', () => {
    expect(problemsOf(request({}, { command: ['sh', '-c', 'x'.repeat(60_000)] }))).toEqual([
      {
        path: 'services[0]',
        message: expect.stringMatching(/come to \d+ bytes as ECS receives them, over 57344/),
      },
    ]);
  });

  it('refuses 4 000 one-letter values: under 32 KiB as text, over 64 KiB as ECS receives them', () => {
    const environment = Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`V${i}`, 'x']));

    expect(problemsOf(request({}, { environment })).map((problem) => problem.path)).toEqual(['services[0]']);
  });
});

describe('secrets named like Object.prototype members', () => {
  it('accepts a secret named "constructor" (no plain value of that name exists)', () => {
    countReliability('hostileInputsTried');
    expect(
      parseDeployRequest(request({}, { secrets: ['constructor', 'toString'] })).services[0]?.secrets,
    ).toEqual(['constructor', 'toString']);
  });
});

describe('compose commands only a shell could expand', () => {
  it('refuses "$${HOME" (an unclosed ${ after the $$ escape) as a ComposeError instead of crashing', () => {
    countReliability('hostileInputsTried');
    const text = 'name: shop\nservices:\n  web:\n    image: nginx:1.27\n    command: echo $${HOME\n';

    let error: unknown;
    try {
      composeToRequest(text, {
        environment: 'main',
        mode: 'development',
        deploymentId: 'deploy-1',
        variables: {},
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ComposeError);
    expect((error as ComposeError).problems).toEqual([
      { path: 'services.web.command', message: expect.stringContaining('write it as a list') },
    ]);
  });
});
