// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` interpolation is what these tests feed in
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeError, type ComposeOptions, composeToRequest } from '../../core/compose.ts';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'modeshift-secrets-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const SECRET = 'hunter2-never-printed';

function options(extra: Partial<ComposeOptions> = {}): ComposeOptions {
  return {
    environment: 'pr-1',
    mode: 'development',
    deploymentId: 'deploy-1',
    variables: {},
    baseDir: folder,
    ...extra,
  };
}

/** `name: shop` with a web service built from an S3 context and the given build `args:` lines. */
function withArgs(lines: string): string {
  const args = lines
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
  return `name: shop\nservices:\n  web:\n    build:\n      context: s3://artifacts/web.tar.gz\n      args:\n${args}\n`;
}

describe('compose input — build args read from config values', () => {
  it('reads an arg with no value from the config value of its name', () => {
    const { request } = composeToRequest(withArgs('NODE_ENV: production\nNPM_TOKEN:'), options());

    expect(request.services[0]?.build).toMatchObject({
      args: { NODE_ENV: 'production' },
      configArgs: ['NPM_TOKEN'],
    });
  });

  it('reads an arg listed without a value from its config value', () => {
    const { request } = composeToRequest(withArgs('- NPM_TOKEN\n- NODE_ENV=production'), options());

    expect(request.services[0]?.build?.configArgs).toEqual(['NPM_TOKEN']);
  });

  it('reads ${NAME} of a stored config value from it, and the shell’s value goes nowhere', () => {
    const result = composeToRequest(
      withArgs('NPM_TOKEN: ${NPM_TOKEN}'),
      options({ variables: { NPM_TOKEN: SECRET }, configNames: new Set(['NPM_TOKEN']) }),
    );

    expect(result.request.services[0]?.build).toMatchObject({ args: {}, configArgs: ['NPM_TOKEN'] });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('refuses a config value interpolated into a longer arg', () => {
    const refused = () =>
      composeToRequest(
        withArgs('REGISTRY: https://${NPM_TOKEN}@npm.example.com'),
        options({ configNames: new Set(['NPM_TOKEN']) }),
      );

    expect(refused).toThrow(ComposeError);
    expect(refused).toThrow(
      /services\.web\.build\.args\.REGISTRY: .*uses the config value NPM_TOKEN.*CodeBuild/,
    );
  });

  it('counts an arg with no value as a config name, for other services’ ${NAME}', () => {
    const text = `${withArgs('NPM_TOKEN:')}  api:\n    image: nginx\n    environment:\n      NPM_TOKEN: \${NPM_TOKEN}\n`;

    const { request } = composeToRequest(text, options({ variables: { NPM_TOKEN: SECRET } }));

    expect(request.services[1]?.secrets).toEqual(['NPM_TOKEN']);
  });
});

describe('compose input — plain values that may be secrets are warned about', () => {
  it('warns about a plain arg whose name looks like a secret, naming it but not its value', () => {
    const { warnings } = composeToRequest(withArgs(`NODE_ENV: production\nAPI_KEY: ${SECRET}`), options());

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.path).toBe('services.web.build.args.API_KEY');
    expect(warnings[0]?.message).toContain('modeshift config set API_KEY --env pr-1');
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });

  it('says nothing of an ordinary arg such as NODE_ENV', () => {
    expect(composeToRequest(withArgs('NODE_ENV: production'), options()).warnings).toEqual([]);
  });

  it('warns about an arg interpolated from the shell, naming the variable but not its value', () => {
    const { warnings } = composeToRequest(
      withArgs('SENTRY_DSN: ${SENTRY_DSN}'),
      options({ variables: { SENTRY_DSN: SECRET } }),
    );

    expect(warnings).toEqual([
      {
        path: 'services.web.build.args.SENTRY_DSN',
        message: expect.stringContaining('SENTRY_DSN is interpolated from the shell (${SENTRY_DSN})'),
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });

  it('warns about an environment value interpolated from the shell, naming service, variable and config set', () => {
    const text =
      'name: shop\nservices:\n  api:\n    image: nginx\n    environment:\n      STRIPE_URL: https://${STRIPE_KEY}@api.stripe.com\n';

    const { warnings } = composeToRequest(text, options({ variables: { STRIPE_KEY: SECRET } }));

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.path).toBe('services.api.environment.STRIPE_URL');
    expect(warnings[0]?.message).toContain('(${STRIPE_KEY})');
    expect(warnings[0]?.message).toContain('task definition');
    expect(warnings[0]?.message).toContain('modeshift config set STRIPE_URL --env pr-1');
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });

  it('says nothing of a value that took its default because the variable is not set', () => {
    const text =
      'name: shop\nservices:\n  api:\n    image: nginx\n    environment:\n      LOG_LEVEL: ${LOG_LEVEL:-info}\n';

    expect(composeToRequest(text, options()).warnings).toEqual([]);
  });

  it('warns about the values an env_file sets, naming the variables but not their values', () => {
    writeFileSync(join(folder, 'api.env'), `DATABASE_URL=postgres://app:${SECRET}@db/app\nLOG_LEVEL=info\n`);
    const text =
      'name: shop\nservices:\n  api:\n    image: nginx\n    env_file: ./api.env\n    environment:\n      LOG_LEVEL: debug\n';

    const { warnings } = composeToRequest(text, options());

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.path).toBe('services.api.env_file');
    expect(warnings[0]?.message).toMatch(
      /^DATABASE_URL from "\.\/api\.env" goes into the task definition in plain text/,
    );
    expect(warnings[0]?.message).toContain('modeshift config set NAME --env pr-1');
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });
});
