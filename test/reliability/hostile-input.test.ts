// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` interpolation is what these tests feed in
/**
 * Property-based tests over what a person or a pipeline can send modeshift:
 * deployment requests (the Deploy Requested detail) and compose files. Every
 * input is either accepted and valid for AWS (test/reliability/aws-validity.ts),
 * or refused with an InputError whose every problem names its field and says
 * what is wrong — never any other exception. The Deploy Requested handler,
 * fed hostile events, starts nothing and takes no lock for what it refuses.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { type ComposeOptions, composeToRequest } from '../../core/compose.ts';
import { isInputError, type Problem } from '../../core/errors.ts';
import { type DeployInput, MAX_EXECUTION_INPUT_BYTES } from '../../core/execution-input.ts';
import { type DeployRequest, parseDeployRequest } from '../../core/request.ts';
import { deployRequested, prepareDeploy } from '../../functions/deploy-requested.ts';
import { DEPLOY_MACHINE, requestDeps } from '../support/request-deps.ts';
import { awsValidityProblems } from './aws-validity.ts';
import {
  applyEdit,
  composeDocument,
  edit,
  envValue,
  hostileNumber,
  hostileString,
  hostileValue,
  nearValidRequest,
  SEED,
  truncateAfter,
} from './hostile-arbitraries.ts';
import { countReliability } from './stats.ts';

const NOW = new Date('2026-11-26T08:00:00Z');
const DEPLOY_REQUEST_FIELDS = new Set([
  'project',
  'environment',
  'mode',
  'deploymentId',
  'services',
  'databases',
  'domain',
  'ttl',
  'overrides',
  'force',
]);

let tried = 0;
afterAll(() => {
  countReliability('hostileInputsTried', tried);
});

/** The first field of a problem path: `services` of `services[2].ports[0]`, `a b` of `["a b"].x`. */
function firstField(path: string): string | undefined {
  const bracketed = /^\[("(?:[^"\\]|\\.)*")\]/.exec(path);
  if (bracketed) return JSON.parse(bracketed[1] as string) as string;
  return /^[^.[]+/.exec(path)?.[0];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The problems of an error that must be an InputError: each with a message,
 * and a path naming a field of the request (or of the input, for an unknown
 * one). Only an input that is not an object at all may be refused as a whole.
 */
function expectFieldProblems(
  error: unknown,
  input: unknown,
  fields: ReadonlySet<string>,
): readonly Problem[] {
  if (!isInputError(error)) throw error;
  expect(error.problems.length).toBeGreaterThan(0);
  for (const problem of error.problems) {
    expect(problem.message.trim(), JSON.stringify(problem)).not.toBe('');
    if (problem.path === '' && !isPlainObject(input)) continue;
    const field = firstField(problem.path);
    expect(field, JSON.stringify(problem)).toBeDefined();
    const known =
      fields.has(field as string) || (isPlainObject(input) && Object.hasOwn(input, field as string));
    expect(known, `${JSON.stringify(problem)} names no field`).toBe(true);
  }
  return error.problems;
}

/** The outcome of the request path the handler takes (validate, resolve the policy, build the input). */
function attempt(
  input: unknown,
):
  | { accepted: true; request: DeployRequest; execution: DeployInput }
  | { accepted: false; problems: readonly Problem[] } {
  try {
    const prepared = prepareDeploy(input, NOW);
    return { accepted: true, request: parseDeployRequest(input), execution: prepared.input as DeployInput };
  } catch (error) {
    return { accepted: false, problems: expectFieldProblems(error, input, DEPLOY_REQUEST_FIELDS) };
  }
}

/** Accepted inputs must be valid for AWS and fit Step Functions; refused ones were checked by attempt(). */
function expectAcceptedOrRefused(input: unknown) {
  tried += 1;
  const outcome = attempt(input);
  if (outcome.accepted) {
    expect(awsValidityProblems(outcome.request, outcome.execution.policy)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(outcome.execution))).toBeLessThanOrEqual(
      MAX_EXECUTION_INPUT_BYTES,
    );
  }
  return outcome;
}

const runs = (numRuns: number) => ({ seed: SEED, numRuns });

describe('hostile deployment requests', () => {
  it('refuses random JSON values and objects, naming the field of each problem', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(fc.constantFrom(...DEPLOY_REQUEST_FIELDS, 'extra'), hostileValue, { maxKeys: 10 }),
        ),
        (input) => {
          expectAcceptedOrRefused(input);
        },
      ),
      runs(600),
    );
  });

  it('accepts only AWS-valid requests among near-valid ones (tricky names, long names and domains)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nearValidRequest, (input) => {
        if (expectAcceptedOrRefused(input).accepted) accepted += 1;
      }),
      runs(800),
    );
    // The generator must keep producing requests that pass, or the property checks only refusals.
    expect(accepted).toBeGreaterThan(200);
  });

  it('refuses a valid request with one field of the wrong type, hostile, removed or unknown, naming that field', () => {
    fc.assert(
      fc.property(nearValidRequest, edit, (request, change) => {
        expectAcceptedOrRefused(applyEdit(request, change));
      }),
      runs(1000),
    );
  });

  it('refuses truncated requests with the missing or cut field named', () => {
    fc.assert(
      fc.property(nearValidRequest, fc.nat({ max: 60 }), (request, leaves) => {
        expectAcceptedOrRefused(truncateAfter(request, leaves));
      }),
      runs(500),
    );
  });

  it('accepts a project, environment or service name only when every derived AWS name is valid', () => {
    fc.assert(
      fc.property(
        nearValidRequest,
        fc.constantFrom('project', 'environment', 'service', 'database', 'deploymentId', 'domain'),
        hostileString,
        (request, field, name) => {
          const input = structuredClone(request) as {
            services: Array<Record<string, unknown>>;
            databases: Array<Record<string, unknown>>;
          } & Record<string, unknown>;
          if (field === 'service') (input.services[0] as Record<string, unknown>).name = name;
          else if (field === 'database') input.databases = [{ name }];
          else input[field] = name;
          const outcome = expectAcceptedOrRefused(input);
          if (/[^a-z0-9-]/.test(name) && field !== 'domain' && field !== 'deploymentId')
            expect(outcome.accepted).toBe(false);
        },
      ),
      runs(800),
    );
  });

  it('carries injection-like, unicode and long environment values verbatim, refusing only NUL and over 32 KiB', () => {
    fc.assert(
      fc.property(nearValidRequest, fc.array(envValue, { minLength: 1, maxLength: 6 }), (request, values) => {
        const input = structuredClone(request) as {
          services: Array<{ environment: Record<string, string>; secrets: string[] }>;
        };
        const service = input.services[0] as { environment: Record<string, string>; secrets: string[] };
        service.secrets = [];
        service.environment = Object.fromEntries(values.map((value, i) => [`HOSTILE_${i}`, value]));
        const outcome = expectAcceptedOrRefused(input);
        const bytes = values.reduce(
          (sum, value, i) => sum + Buffer.byteLength(`HOSTILE_${i}`) + Buffer.byteLength(value),
          0,
        );
        if (!outcome.accepted) {
          const environmentProblems = outcome.problems.filter((problem) =>
            problem.path.startsWith('services[0].environment'),
          );
          if (values.some((value) => value.includes('\0')) || bytes > 32 * 1024)
            expect(environmentProblems.length).toBeGreaterThan(0);
          else expect(environmentProblems).toEqual([]);
          return;
        }
        expect(values.some((value) => value.includes('\0'))).toBe(false);
        const spec = outcome.execution.waves
          .flatMap((wave) => wave.services)
          .find((s) => s.name === outcome.request.services[0]?.name);
        const hostile = Object.entries(spec?.environment ?? {}).filter(([name]) =>
          name.startsWith('HOSTILE_'),
        );
        expect(Object.fromEntries(hostile)).toEqual(service.environment);
        // Besides them, only the connection settings of a managed database it depends on (core/app-wiring.ts).
        const added = Object.keys(spec?.environment ?? {}).filter((name) => !name.startsWith('HOSTILE_'));
        expect(added.every((name) => ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER'].includes(name))).toBe(true);
      }),
      runs(600),
    );
  });

  it('accepts a replica count only when it is a whole number from 0 to 5000, and names the field otherwise', () => {
    fc.assert(
      fc.property(
        nearValidRequest,
        fc.oneof(
          hostileNumber,
          fc.integer({ min: -10, max: 6000 }),
          fc.constantFrom<unknown>('3', null, true, [], {}, '1e3'),
        ),
        (request, replicas) => {
          const input = structuredClone(request) as { services: Array<Record<string, unknown>> };
          (input.services[0] as Record<string, unknown>).replicas = replicas;
          const outcome = expectAcceptedOrRefused(input);
          const valid =
            Number.isInteger(replicas) && (replicas as number) >= 0 && (replicas as number) <= 5000;
          const replicaProblems = outcome.accepted
            ? []
            : outcome.problems.filter((problem) => problem.path === 'services[0].replicas');
          expect(replicaProblems.length > 0).toBe(!valid);
        },
      ),
      runs(600),
    );
  });

  it('refuses oversized lists and strings: over 1000 services, 32 ports, huge dependsOn, secrets and commands', () => {
    const many = <T>(n: number, item: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => item(i));
    fc.assert(
      fc.property(
        nearValidRequest,
        fc.oneof(
          fc
            .integer({ min: 990, max: 1010 })
            .map((n) => ({ services: many(n, (i) => ({ name: `s${i}`, image: 'nginx' })) })),
          fc.integer({ min: 30, max: 40 }).map((n) => ({ service: { ports: many(n, (i) => 1000 + i) } })),
          fc.integer({ min: 1, max: 300_000 }).map((n) => ({ service: { dependsOn: many(n, () => 'db') } })),
          fc
            .integer({ min: 1, max: 100_000 })
            .map((n) => ({ service: { secrets: many(n, (i) => `SECRET_${i}`) } })),
          fc
            .integer({ min: 1, max: 200_000 })
            .map((n) => ({ service: { command: ['sh', '-c', 'x'.repeat(n)] } })),
          fc
            .integer({ min: 1, max: 3_000 })
            .map((n) => ({ service: { command: many(n, () => 'argument-') } })),
          fc
            .integer({ min: 30_000, max: 40_000 })
            .map((n) => ({ service: { environment: { BIG: '🚀'.repeat(n / 4) } } })),
          fc.integer({ min: 60, max: 100_000 }).map((n) => ({ service: { name: 'a'.repeat(n) } })),
          fc
            .integer({ min: 1_000, max: 6_000 })
            .map((n) => ({ service: { environment: Object.fromEntries(many(n, (i) => [`V${i}`, 'x'])) } })),
        ),
        (request, oversized) => {
          const input = structuredClone(request) as { services: unknown[]; databases: unknown[] };
          input.databases = [{ name: 'db' }];
          if ('services' in oversized) input.services = oversized.services;
          else Object.assign(input.services[0] as object, { secrets: [], ...oversized.service });
          expectAcceptedOrRefused(input);
        },
      ),
      runs(120),
    );
  });
});

const FIXTURES = fileURLToPath(new URL('../fixtures/compose/', import.meta.url));
const SHOP = fileURLToPath(new URL('../../examples/shop/', import.meta.url));
const COMPOSE_TEXTS = [
  { text: readFileSync(`${SHOP}compose.yaml`, 'utf8'), baseDir: SHOP },
  { text: readFileSync(`${FIXTURES}saas/compose.yaml`, 'utf8'), baseDir: `${FIXTURES}saas` },
  { text: readFileSync(`${FIXTURES}payments/compose.yaml`, 'utf8'), baseDir: `${FIXTURES}payments` },
  { text: readFileSync(`${FIXTURES}monitoring/compose.yaml`, 'utf8'), baseDir: `${FIXTURES}monitoring` },
];
const COMPOSE_OPTIONS: ComposeOptions = {
  environment: 'pr-1',
  mode: 'development',
  deploymentId: 'deploy-1',
  variables: { TAG: '1.27', EVIL: '; rm -rf / $(reboot) `id`', EMPTY: '' },
};
/** Fields a compose problem may name besides the file's keys: the request fields the command line sets. */
const COMPOSE_TOP_LEVEL = new Set([
  'services',
  'name',
  'environment',
  'mode',
  'deploymentId',
  'ttl',
  'overrides',
  'force',
]);

/**
 * A compose text is accepted (and then valid for AWS) or refused with a
 * ComposeError whose problems each name a key of the file — or a line and
 * column for YAML that does not parse, or nothing for a file that is not a
 * mapping at all.
 */
function expectComposeAcceptedOrRefused(text: string, baseDir: string) {
  tried += 1;
  let document: unknown;
  try {
    document = parseYaml(text, { logLevel: 'silent' });
  } catch {
    document = undefined;
  }
  try {
    const { request } = composeToRequest(text, { ...COMPOSE_OPTIONS, baseDir });
    const prepared = prepareDeploy(request, NOW);
    expect(awsValidityProblems(request, (prepared.input as DeployInput).policy)).toEqual([]);
    return true;
  } catch (error) {
    if (!isInputError(error)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.message.trim(), JSON.stringify(problem)).not.toBe('');
      if (/^line \d+, column \d+$/.test(problem.path)) continue;
      if (problem.path === '' && !isPlainObject(document)) continue;
      const field = firstField(problem.path);
      const known =
        COMPOSE_TOP_LEVEL.has(field as string) ||
        (isPlainObject(document) && Object.hasOwn(document, field as string));
      expect(known, `${JSON.stringify(problem)} names no key of the file`).toBe(true);
    }
    return false;
  }
}

const COMPOSE_LINES = [
  'name: shop',
  'services:',
  '  web:',
  '    image: nginx:${TAG}',
  '    ports: ["80"]',
  '    ports:',
  '      - "8080:80"',
  '    environment:',
  '      KEY: ${EVIL}',
  '      - KEY=value',
  '    command: echo $${HOME',
  '    deploy: { replicas: -1 }',
  '    x-defang-postgres: true',
  '  &anchor',
  '  <<: *anchor',
  '---',
  '- item',
  '"unterminated',
  '\t\ttab',
  '? complex key',
];

describe('hostile compose files', () => {
  it('refuses random text and shuffled compose lines with a line, column or key named', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc
            .array(
              fc.oneof(
                { weight: 4, arbitrary: fc.constantFrom(...COMPOSE_LINES) },
                { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 200)) },
              ),
              { maxLength: 20 },
            )
            .map((lines) => lines.join('\n')),
        ),
        (text) => {
          expectComposeAcceptedOrRefused(text, FIXTURES);
        },
      ),
      runs(600),
    );
  });

  it('refuses compose files cut off anywhere, or accepts what remains only if it is valid', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMPOSE_TEXTS),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ text, baseDir }, at) => {
          expectComposeAcceptedOrRefused(text.slice(0, Math.floor(text.length * at)), baseDir);
        },
      ),
      runs(500),
    );
  });

  it('refuses compose documents with hostile values in any key, naming the key', () => {
    let accepted = 0;
    fc.assert(
      fc.property(composeDocument, fc.option(edit, { freq: 3, nil: undefined }), (document, change) => {
        const edited = change === undefined ? document : applyEdit(document, change);
        if (expectComposeAcceptedOrRefused(stringifyYaml(edited), `${FIXTURES}saas`)) accepted += 1;
      }),
      runs(800),
    );
    expect(accepted).toBeGreaterThan(20);
  });
});

const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);

const deps = () => requestDeps(NOW);

function resetMocks() {
  sfn.reset();
  dynamodb.reset();
  eventbridge.reset();
  ssm.reset();
  // Every config value a request names is set: what is refused here is refused for its input alone.
  ssm
    .on(GetParametersCommand)
    .callsFake(({ Names = [] }: { Names?: string[] }) => ({ Parameters: Names.map((Name) => ({ Name })) }));
  dynamodb.on(UpdateItemCommand).resolves({});
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${DEPLOY_MACHINE}:x` });
  sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
}

describe('Deploy Requested handler — hostile events', () => {
  beforeEach(resetMocks);

  it('starts nothing and takes no lock for a refused event; starts only AWS-valid requests', async () => {
    const hostileRequest = fc.oneof(
      nearValidRequest,
      fc.tuple(nearValidRequest, edit).map(([request, change]) => applyEdit(request, change)),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const event = fc.oneof(
      hostileRequest,
      fc.record({
        'detail-type': fc.oneof(
          { weight: 4, arbitrary: fc.constant('Deploy Requested') },
          { weight: 1, arbitrary: hostileValue },
        ),
        source: fc.oneof(
          { weight: 4, arbitrary: fc.constant('modeshift') },
          { weight: 1, arbitrary: hostileValue },
        ),
        detail: hostileRequest,
      }),
    );
    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        tried += 1;
        resetMocks();
        const outcome = await deployRequested(input, deps());
        if (outcome.outcome === 'rejected') {
          expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
          expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
          expect(eventbridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
          expect(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe(
            'Deployment Failed',
          );
          for (const problem of outcome.problems) expect(problem.message.trim()).not.toBe('');
          return;
        }
        expect(outcome.outcome).toBe('started');
        const started = sfn.commandCalls(StartExecutionCommand);
        expect(started).toHaveLength(1);
        const executionInput = started[0]?.args[0].input.input ?? '';
        expect(Buffer.byteLength(executionInput)).toBeLessThanOrEqual(MAX_EXECUTION_INPUT_BYTES);
        const detail =
          isPlainObject(input) && 'detail-type' in input && 'detail' in input ? input.detail : input;
        const request = parseDeployRequest(detail);
        expect(awsValidityProblems(request, (JSON.parse(executionInput) as DeployInput).policy)).toEqual([]);
      }),
      runs(500),
    );
  });
});
