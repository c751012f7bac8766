/**
 * Compose input: a compose file (the subset of docs/design.md §3) read into a
 * deployment request. The file is checked against the compose specification's
 * schema first; every key modeshift does not act on is reported, as a warning
 * when ignoring it is harmless and as an error when it would change what runs.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseShellWords } from 'shell-quote';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { DATABASE_PASSWORD_VARIABLES } from './app-wiring.ts';
import { type BuildDigest, type BuildDigestInput, buildDigest } from './build-digest.ts';
import { cacheEngineOfImage, cacheVersionOfTag, cacheVersionProblem } from './cache-engines.ts';
import { validateComposeSchema } from './compose-schema.ts';
import { parseDuration } from './duration.ts';
import { InputError, type Problem } from './errors.ts';
import { trafficPort } from './execution-input.ts';
import { roundUpToFargateSize } from './fargate.ts';
import { interpolate, referencedVariables } from './interpolate.ts';
import type { Overrides } from './policy.ts';
import {
  type DeployRequest,
  type DeployRequestInput,
  DeployRequestSchema,
  LoadBalancerCheckSchema,
  type Port,
  problemsFromZod,
  type TeamVpc,
} from './request.ts';

/** A compose file modeshift cannot deploy; each problem names its key. */
export class ComposeError extends InputError {
  override name = 'ComposeError';
}

/** Compose files larger than this are refused before parsing. */
export const MAX_COMPOSE_BYTES = 1024 * 1024;

export interface ComposeOptions {
  /** Overrides the compose file's top-level `name`. */
  readonly project?: string;
  readonly environment: string;
  readonly mode: string;
  readonly deploymentId: string;
  readonly overrides?: Overrides;
  readonly ttl?: string;
  readonly force?: boolean;
  /** The environment's name, to confirm what can lose production data (see the request's `confirm`). */
  readonly confirm?: string;
  /** Zones modeshift did not create that it may write into (see the request's `adoptZones`). @default [] */
  readonly adoptZones?: readonly string[];
  /** Whether an adopted zone's apex may be written (see the request's `adoptApex`). @default false */
  readonly adoptApex?: boolean;
  /** Development only: the scheduled jobs' schedules are created disabled (see the request's `pauseSchedules`). */
  readonly pauseSchedules?: boolean;
  /** Who the deployment alarms tell (see the request's `notify`). @default [] */
  readonly notify?: readonly string[];
  /** The range of the environment's VPC when modeshift creates it (see the request's `vpcCidr`). */
  readonly vpcCidr?: string;
  /** A team's own VPC to deploy into (see the request's `vpc`). */
  readonly vpc?: TeamVpc;
  /** Variables for `${VAR}` interpolation. @default process.env */
  readonly variables?: Readonly<Record<string, string | undefined>>;
  /** Folder that relative build contexts and env files are resolved against. @default the compose file's folder */
  readonly baseDir?: string;
  /** The file's name as a person gave it, for syntax errors. @default the path loadComposeFile read; none for text */
  readonly source?: string;
  /** Bucket that build contexts are uploaded to. @default "modeshift-artifacts" */
  readonly artifactBucket?: string;
  /**
   * Accept a local build context outside {@link baseDir} (`context: ../..`, `/etc/ssl`, or a link
   * that leads out of it): `--allow-context-outside`. Without it such a context is refused, as it
   * would upload files that are not the project's. @default false
   */
  readonly allowContextOutside?: boolean;
  /**
   * Names of the config values stored in the environment's config (the CLI passes them when it
   * can reach AWS). With the variables some service of the file declares without a value, they
   * are the config names: an `environment` value that references one with `${VAR}` becomes a
   * secret or is refused, so the value never lands in the task definition as plain text
   * (docs/request-and-compose.md). @default no stored names
   */
  readonly configNames?: ReadonlySet<string>;
}

/** A local build context the CLI uploads before the deploy starts. */
export interface BuildUpload {
  readonly service: string;
  readonly localPath: string;
  /** `s3://<bucket>/<project>/<environment>/<service>/<digest>.tar.gz` (core/build-digest.ts). */
  readonly s3Url: string;
  /** What Docker would send of the folder (after `.dockerignore`), relative to it: what is packed. */
  readonly entries?: readonly string[];
}

export interface ComposeResult {
  readonly request: DeployRequest;
  /** Keys that were ignored, values that were adjusted: shown to the person, recorded in the plan. */
  readonly warnings: readonly Problem[];
  readonly uploads: readonly BuildUpload[];
}

type Dict = Record<string, unknown>;

/** What modeshift does with each service key it does not translate. */
const IGNORED_SERVICE_KEYS: Readonly<Record<string, string>> = {
  container_name: 'ECS names the containers',
  restart: 'ECS restarts stopped tasks',
  labels: 'labels are not carried to ECS',
  logging: 'logs go to the environment’s CloudWatch log group',
  hostname: 'services are reached by their service name',
  networks: 'all services share the environment’s VPC',
  stdin_open: 'Fargate tasks have no terminal',
  tty: 'Fargate tasks have no terminal',
  init: 'not applied on Fargate',
  stop_grace_period: 'ECS uses its default stop timeout',
  stop_signal: 'ECS sends SIGTERM',
  profiles: 'every service in the file is deployed',
  pull_policy: 'images are pulled on every task start',
  platform: 'tasks run on linux/x86_64',
  links: 'services are reached by their service name',
  mac_address: 'not applicable on Fargate',
  read_only: 'not applied on Fargate',
  working_dir: 'the image’s working directory is used',
  user: 'the image’s user is used',
  develop: 'development watch settings do not apply to a deployment',
  attach: 'logs go to CloudWatch',
  annotations: 'annotations are not carried to ECS',
  label_file: 'labels are not carried to ECS',
};

/** Keys a managed database (x-defang-postgres) ignores: RDS runs the database, not this container. */
const DATABASE_KEYS = new Set(['image', 'environment', 'x-defang-postgres', 'ports', 'expose', 'domainname']);

/** Keys a managed cache (x-defang-redis) takes or passes over quietly: ElastiCache runs the cache. */
const CACHE_KEYS = new Set(['image', 'environment', 'x-defang-redis', 'ports', 'expose', 'domainname']);

const TRANSLATED_SERVICE_KEYS = new Set([
  'image',
  'build',
  'deploy',
  'ports',
  'expose',
  'healthcheck',
  'environment',
  'env_file',
  'depends_on',
  'domainname',
  'command',
  'entrypoint',
  'x-defang-postgres',
  'x-defang-autoscaling',
  'x-modeshift',
]);

/** What runs instead of a managed service whose Defang extension modeshift does not provision. */
const UNPROVISIONED_MANAGED_SERVICE =
  'modeshift does not provision this managed service: the service runs as an ordinary container, with no persistent storage (its data is lost on every restart and every deploy)';

/** Defang extensions that are not managed services: settings of the service itself. */
const DEFANG_SETTINGS = new Set(['x-defang-autoscaling', 'x-defang-static-files', 'x-defang-dns-role']);

/**
 * A Defang extension that asks for a managed service modeshift does not provision
 * (`x-defang-redis`, `x-defang-mongodb`, `x-defang-llm`, …). `x-defang-postgres` is provisioned (RDS);
 * the GPU extensions are refused on their own.
 */
function isManagedServiceExtension(key: string, value: unknown): boolean {
  return (
    key.startsWith('x-defang-') &&
    !DEFANG_SETTINGS.has(key) &&
    value !== false &&
    value !== null &&
    value !== undefined
  );
}

/** Why a GPU request is refused. */
const NO_GPUS = 'asks for a GPU, and Fargate tasks have no GPUs';

/** Service keys that ask for GPUs: compose's `gpus`, and extensions such as `x-defang-gpu`. */
function isGpuKey(key: string): boolean {
  return key === 'gpus' || (key.startsWith('x-') && /gpu/i.test(key));
}

class Collector {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  error(path: string, message: string) {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string) {
    this.warnings.push({ path, message });
  }
  /** Takes back a warning that a later decision made wrong. */
  withdraw(path: string, message: string) {
    const index = this.warnings.findIndex((warning) => warning.path === path && warning.message === message);
    if (index !== -1) this.warnings.splice(index, 1);
  }
}

/** Reads a compose file from disk; relative paths resolve against its folder. */
export function loadComposeFile(file: string, options: ComposeOptions): ComposeResult {
  if (!existsSync(file)) throw new ComposeError([{ path: file, message: 'no such file' }]);
  const stat = statSync(file);
  if (!stat.isFile()) throw new ComposeError([{ path: file, message: 'is not a file' }]);
  if (stat.size > MAX_COMPOSE_BYTES) {
    throw new ComposeError([
      {
        path: file,
        message: `is ${stat.size} bytes; compose files over ${MAX_COMPOSE_BYTES} bytes are refused`,
      },
    ]);
  }
  const baseDir = options.baseDir ?? dirname(resolve(file));
  const project = options.project ?? undefined;
  return composeToRequest(readFileSync(file, 'utf8'), {
    ...options,
    source: options.source ?? file,
    baseDir,
    ...(project === undefined ? { defaultProject: basename(baseDir) } : {}),
  });
}

/** Translates compose YAML text into a validated deployment request. */
export function composeToRequest(
  text: string,
  options: ComposeOptions & { defaultProject?: string },
): ComposeResult {
  if (Buffer.byteLength(text) > MAX_COMPOSE_BYTES) {
    throw new ComposeError([{ path: '', message: `the compose file is over ${MAX_COMPOSE_BYTES} bytes` }]);
  }
  const out = new Collector();
  const { document, uninterpolated } = parseYaml(text, options.variables ?? process.env, out, options.source);
  if (out.errors.length > 0) throw new ComposeError(out.errors);

  for (const problem of validateComposeSchema(document)) out.error(problem.path, problem.message);
  if (out.errors.length > 0) throw new ComposeError(out.errors);

  const compose = document as Dict;
  checkTopLevel(compose, out);
  const services = (compose.services ?? {}) as Record<string, Dict>;
  if (Object.keys(services).length === 0) out.error('services', 'the compose file defines no services');

  const baseDir = options.baseDir ?? process.cwd();
  const project = options.project ?? (compose.name as string | undefined) ?? options.defaultProject;
  if (project === undefined) out.error('name', 'is missing: set the top-level name or pass --project');
  const environment = options.environment;
  const artifactBucket = options.artifactBucket ?? 'modeshift-artifacts';
  const rawServices = ((uninterpolated as Dict).services ?? {}) as Record<string, Dict>;
  const context: ServiceContext = {
    baseDir,
    allowContextOutside: options.allowContextOutside === true,
    environment,
    variables: options.variables ?? process.env,
    configNames: composeConfigNames(services, options.configNames),
  };

  const runOnce = completedDependencies(services);
  const requestServices: Dict[] = [];
  const databases: Dict[] = [];
  const caches: Dict[] = [];
  const uploads: BuildUpload[] = [];
  const domains: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const at = `services.${name}`;
    if (isDatabase(service)) {
      databases.push(translateDatabase(name, service, at, out));
      continue;
    }
    if (isCache(service)) {
      caches.push(translateCache(name, service, at, out));
      continue;
    }
    const translated = translateService(name, service, rawServices[name], at, context, out);
    if (typeof service.domainname === 'string') domains.push(service.domainname);
    if (translated.localContext !== undefined) {
      const build = translated.service.build as Dict;
      const digested =
        existsSync(translated.localContext) && statSync(translated.localContext).isDirectory()
          ? digestOrReport(`${at}.build.context`, translated.localContext, out, {
              ...(typeof build.dockerfile === 'string' ? { dockerfile: build.dockerfile } : {}),
              ...(build.args !== undefined ? { args: build.args as Record<string, string> } : {}),
              ...(build.configArgs !== undefined ? { configArgs: build.configArgs as string[] } : {}),
              ...(typeof build.target === 'string' ? { target: build.target } : {}),
            })
          : undefined;
      // Content-addressed: an unchanged context has the same key, and is not uploaded again.
      const s3Url = `s3://${artifactBucket}/${project ?? 'project'}/${environment}/${name}/${digested?.digest ?? 'context'}.tar.gz`;
      build.context = s3Url;
      if (digested !== undefined) build.imageTag = digested.imageTag;
      uploads.push({
        service: name,
        localPath: translated.localContext,
        s3Url,
        ...(digested !== undefined ? { entries: digested.entries } : {}),
      });
    }
    if (runOnce.has(name)) translated.service.run ??= 'once';
    requestServices.push(translated.service);
  }
  for (const name of runOnce) {
    if (services[name] !== undefined && (isDatabase(services[name]) || isCache(services[name])))
      out.warn(
        `services.${name}`,
        'service_completed_successfully on a managed store: the deploy waits for it to be available (compose would wait for it to exit)',
      );
  }
  if (out.errors.length > 0) throw new ComposeError(out.errors);

  const raw: DeployRequestInput = {
    project: project as string,
    environment,
    mode: options.mode,
    deploymentId: options.deploymentId,
    services: requestServices as DeployRequestInput['services'],
    databases: databases as NonNullable<DeployRequestInput['databases']>,
    ...(caches.length > 0 ? { caches: caches as NonNullable<DeployRequestInput['caches']> } : {}),
    ...(domains[0] !== undefined ? { domain: domains[0] } : {}),
    ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
    ...(options.overrides !== undefined ? { overrides: options.overrides } : {}),
    ...(options.force !== undefined ? { force: options.force } : {}),
    ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
    ...(options.adoptZones !== undefined && options.adoptZones.length > 0
      ? { adoptZones: [...options.adoptZones] }
      : {}),
    ...(options.adoptApex ? { adoptApex: true } : {}),
    ...(options.pauseSchedules ? { pauseSchedules: true } : {}),
    ...(options.notify !== undefined && options.notify.length > 0 ? { notify: [...options.notify] } : {}),
    ...(options.vpcCidr !== undefined ? { vpcCidr: options.vpcCidr } : {}),
    ...(options.vpc !== undefined
      ? {
          vpc: {
            id: options.vpc.id,
            publicSubnets: [...options.vpc.publicSubnets],
            privateSubnets: [...options.vpc.privateSubnets],
          },
        }
      : {}),
  };
  const parsed = DeployRequestSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const names: RequestNames = {
      services: requestServices.map((s) => ({
        name: s.name as string,
        secrets: (s.secrets ?? []) as string[],
      })),
      databases: databases.map((d) => d.name as string),
      caches: caches.map((c) => c.name as string),
    };
    throw new ComposeError(
      problemsFromZod(parsed.error)
        // The request's domain is copied from a service's domainname, which reports the same problem.
        .filter((problem) => problem.path !== 'domain')
        .map((problem) => ({ ...problem, path: toComposePath(problem.path, names) })),
      { cause: parsed.error },
    );
  }
  return { request: parsed.data, warnings: out.warnings, uploads };
}

/**
 * Parses YAML, interpolating `${VAR}` in every scalar; reports syntax errors with line and column.
 * `uninterpolated` is the same document as the text has it: with merge keys and aliases applied,
 * so a service's values sit where the service reads them, whichever anchor they came from.
 */
function parseYaml(
  text: string,
  variables: Readonly<Record<string, string | undefined>>,
  out: Collector,
  source?: string,
): { document: unknown; uninterpolated: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    const where = [source, pos ? `line ${pos.line}, column ${pos.col}` : undefined].filter(Boolean);
    out.error(where.join(', '), `YAML syntax error: ${error.message.split('\n')[0] ?? error.message}`);
  }
  if (doc.errors.length > 0) return { document: undefined, uninterpolated: undefined };
  const original = doc.clone();
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const result = interpolate(node.value, variables);
      const where = yamlPath(path, node);
      for (const variable of result.unset) out.warn(where, unsetVariableWarning(variable));
      for (const problem of result.errors) out.error(where, problem);
      node.value = node.type === 'PLAIN' ? typedPlainScalar(result.value) : result.value;
    },
  });
  let value: unknown;
  let uninterpolated: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
    uninterpolated = original.toJS({ maxAliasCount: 100 });
  } catch (error) {
    out.error('', `the YAML could not be read: ${(error as Error).message}`);
    return { document: undefined, uninterpolated: undefined };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.error('', 'a compose file must be a YAML mapping with a services key');
  }
  return { document: value, uninterpolated };
}

function unsetVariableWarning(variable: string): string {
  return `variable ${variable} is not set; it became an empty string`;
}

/** A plain scalar that became `2` or `true` by interpolation is a number or boolean, as compose reads it. */
function typedPlainScalar(value: string): string | number | boolean {
  if (/^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function yamlPath(path: readonly unknown[], node: unknown): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const parent = path[i];
    const child = path[i + 1] ?? node;
    if (isMap(parent)) {
      const pair = parent.items.find((item) => item.value === child || item === child);
      if (pair && isScalar(pair.key)) parts.push(String(pair.key.value));
    } else if (isSeq(parent)) {
      parts.push(`[${parent.items.indexOf(child as never)}]`);
    }
  }
  return parts.join('.').replace(/\.\[/g, '[');
}

function checkTopLevel(compose: Dict, out: Collector) {
  for (const key of Object.keys(compose)) {
    if (key === 'name' || key === 'services') continue;
    if (key === 'version') out.warn(key, 'is obsolete in the compose specification and ignored');
    else if (key === 'networks') out.warn(key, 'ignored: all services share the environment’s VPC');
    else if (key === 'volumes') out.warn(key, 'ignored: modeshift runs services without persistent volumes');
    else if (key.startsWith('x-')) out.warn(key, 'extension ignored');
    else out.error(key, 'is not supported by modeshift');
  }
}

function isDatabase(service: Dict): boolean {
  const marker = service['x-defang-postgres'];
  return marker !== undefined && marker !== false && marker !== null;
}

function translateDatabase(name: string, service: Dict, at: string, out: Collector): Dict {
  for (const key of Object.keys(service)) {
    if (!DATABASE_KEYS.has(key))
      out.warn(`${at}.${key}`, 'ignored for a managed Postgres database (RDS runs it)');
  }
  const marker = service['x-defang-postgres'];
  if (marker !== true && (typeof marker !== 'object' || Array.isArray(marker))) {
    out.error(`${at}.x-defang-postgres`, `${JSON.stringify(marker)} must be true or a mapping`);
  }
  const database: Dict = { name };
  if (typeof marker === 'object' && marker !== null) {
    for (const [key, value] of Object.entries(marker as Dict)) {
      if (key === 'storage') database.storageGiB = value;
      else if (key === 'snapshot') database.snapshot = value;
      else out.warn(`${at}.x-defang-postgres.${key}`, 'is not a setting modeshift knows; ignored');
    }
  }
  const image = typeof service.image === 'string' ? service.image : undefined;
  if (image !== undefined) {
    const [repository, tag] = image.split('@')[0]?.split(/:(?=[^/]*$)/) ?? [];
    if (!/(^|\/)postgres$/.test(repository ?? '')) {
      out.error(
        `${at}.image`,
        `${JSON.stringify(image)} is not a postgres image (x-defang-postgres needs postgres:<version>)`,
      );
    }
    const version = /^(\d{1,2}(?:\.\d{1,2})?)/.exec(tag ?? '')?.[1];
    if (version) database.version = version;
  }
  const environment = environmentMap(service.environment);
  if (environment.POSTGRES_DB) database.databaseName = environment.POSTGRES_DB;
  if (environment.POSTGRES_USER) database.username = environment.POSTGRES_USER;
  if ('POSTGRES_PASSWORD' in environment) {
    out.warn(
      `${at}.environment.POSTGRES_PASSWORD`,
      `ignored: RDS manages the master password (ManageMasterUserPassword); the services that depend on ${name} (and on no other managed database) receive it as PGPASSWORD, and as their own ${DATABASE_PASSWORD_VARIABLES.join(', ').replace(/, (?=[^,]*$)/, ' or ')} written with no value`,
    );
  }
  return database;
}

function isCache(service: Dict): boolean {
  const marker = service['x-defang-redis'];
  return marker !== undefined && marker !== false && marker !== null;
}

/**
 * `x-defang-redis: true` on a `redis:<version>` or `valkey/valkey:<version>` image: an ElastiCache
 * replication group of that engine and version. Its port is the engine's (6379); the container's
 * environment would configure a server ElastiCache runs, so it is passed over with a warning.
 */
function translateCache(name: string, service: Dict, at: string, out: Collector): Dict {
  for (const key of Object.keys(service)) {
    if (!CACHE_KEYS.has(key)) out.warn(`${at}.${key}`, 'ignored for a managed cache (ElastiCache runs it)');
  }
  const marker = service['x-defang-redis'];
  const cache: Dict = { name };
  if (typeof marker === 'object' && marker !== null && !Array.isArray(marker)) {
    for (const [key, value] of Object.entries(marker as Dict)) {
      if (key === 'snapshot') cache.snapshot = value;
      else out.warn(`${at}.x-defang-redis.${key}`, 'is not a setting modeshift knows; ignored');
    }
  } else if (marker !== true) {
    out.error(`${at}.x-defang-redis`, `${JSON.stringify(marker)} must be true or a mapping`);
  }
  const image = typeof service.image === 'string' ? service.image : undefined;
  const engine = image === undefined ? { engine: 'redis' as const } : cacheEngineOfImage(image);
  if (engine === undefined) {
    out.error(
      `${at}.image`,
      `${JSON.stringify(image)} is not a redis or valkey image (x-defang-redis needs redis:<version> or valkey/valkey:<version>)`,
    );
    return cache;
  }
  cache.engine = engine.engine;
  const version = cacheVersionOfTag(engine.engine, engine.tag);
  if (version !== undefined) {
    const problem = cacheVersionProblem(engine.engine, version);
    if (problem !== undefined) {
      out.error(`${at}.image`, `${JSON.stringify(image)}: ${problem}`);
      return cache;
    }
    cache.version = version;
  }
  const environment = environmentMap(service.environment);
  for (const variable of Object.keys(environment)) {
    out.warn(
      `${at}.environment.${variable}`,
      'ignored: ElastiCache runs the cache and takes no environment; its settings come from the mode',
    );
  }
  return cache;
}

/** What translating a service needs beyond the service itself. */
interface ServiceContext {
  /** Folder that relative build contexts and env files resolve against. */
  readonly baseDir: string;
  /** See {@link ComposeOptions.allowContextOutside}. */
  readonly allowContextOutside: boolean;
  readonly environment: string;
  /** Names an `environment` value may not take from the shell (see {@link ComposeOptions.configNames}). */
  readonly configNames: ReadonlySet<string>;
  /** The variables `${VAR}` was interpolated from: a value that used a set one came from the shell. */
  readonly variables: Readonly<Record<string, string | undefined>>;
}

function translateService(
  name: string,
  service: Dict,
  uninterpolated: Dict | undefined,
  at: string,
  context: ServiceContext,
  out: Collector,
): { service: Dict; localContext?: string } {
  for (const key of Object.keys(service)) {
    if (TRANSLATED_SERVICE_KEYS.has(key)) continue;
    const reason = IGNORED_SERVICE_KEYS[key];
    if (isGpuKey(key)) out.error(`${at}.${key}`, NO_GPUS);
    else if (reason) out.warn(`${at}.${key}`, `ignored: ${reason}`);
    else if (isManagedServiceExtension(key, service[key]))
      out.warn(`${at}.${key}`, UNPROVISIONED_MANAGED_SERVICE);
    else if (key.startsWith('x-')) out.warn(`${at}.${key}`, 'extension ignored');
    else out.error(`${at}.${key}`, 'is not supported by modeshift');
  }
  const result: Dict = { name };
  let localContext: string | undefined;

  if (service.build !== undefined) {
    const build = translateBuild(service.build, uninterpolated?.build, `${at}.build`, context, out);
    result.build = build.build;
    localContext = build.localContext;
  } else if (service.image !== undefined) {
    result.image = service.image;
  }

  const size = translateResources(service.deploy as Dict | undefined, `${at}.deploy`, out);
  Object.assign(result, size);

  const ports = translatePorts(service.ports, `${at}.ports`, out);
  const exposed = translateExpose(service.expose, `${at}.expose`, out);
  result.ports = uniquePorts([...ports.ports, ...exposed]);
  result.public = ports.public;

  let healthCheck: Dict | undefined;
  if (service.healthcheck !== undefined) {
    healthCheck = translateHealthcheck(service.healthcheck as Dict, `${at}.healthcheck`, out);
    if (healthCheck) result.healthCheck = healthCheck;
  }
  const extension = translateModeshiftExtension(service['x-modeshift'], `${at}.x-modeshift`, out);
  const explicitCheck = extension.check;
  for (const key of MODESHIFT_PASSED_KEYS) if (extension[key] !== undefined) result[key] = extension[key];
  const defangScaling = service['x-defang-autoscaling'];
  if (defangScaling !== undefined && typeof defangScaling !== 'boolean')
    out.error(`${at}.x-defang-autoscaling`, `${JSON.stringify(defangScaling)} must be true or false`);
  // Defang's switch turns the mode's autoscaling on; x-modeshift.scaling's bounds win.
  else if (defangScaling === true && result.scaling === undefined) result.scaling = {};
  const derivedCheck =
    healthCheck === undefined
      ? undefined
      : loadBalancerCheckOf(healthCheck.command as string[], result.ports as Port[]);
  const loadBalancerCheck = explicitCheck ?? derivedCheck;
  if (loadBalancerCheck) result.loadBalancerCheck = loadBalancerCheck;

  const { plain, secrets } = translateEnvironment(service, uninterpolated, at, context, out);
  result.environment = plain;
  if (secrets.length > 0) result.secrets = secrets;

  if (service.depends_on !== undefined) {
    result.dependsOn = translateDependsOn(service.depends_on, `${at}.depends_on`, out);
  }
  if (typeof service.domainname === 'string') result.domainname = service.domainname;
  for (const key of ['command', 'entrypoint'] as const) {
    const value = service[key];
    if (typeof value === 'string') {
      const words = splitCommand(value);
      if (words) result[key] = words;
      else
        out.error(
          `${at}.${key}`,
          `${JSON.stringify(value)} uses shell operators; write it as a list, e.g. ["/bin/sh", "-c", "..."]`,
        );
    } else if (Array.isArray(value)) result[key] = value.map(String);
  }
  return localContext === undefined ? { service: result } : { service: result, localContext };
}

/** A string command split into words as compose does (quotes respected, no shell); undefined if it needs a shell. */
function splitCommand(command: string): string[] | undefined {
  let words: ReturnType<typeof parseShellWords>;
  try {
    words = parseShellWords(command, (name) => `$${name}`);
  } catch {
    // shell-quote throws on what only a shell could expand, e.g. an unclosed "${" left by a "$${" escape.
    return undefined;
  }
  return words.every((word) => typeof word === 'string') ? (words as string[]) : undefined;
}

const DEPENDS_ON_KEYS = new Set(['condition', 'restart', 'required']);

function translateDependsOn(dependsOn: unknown, at: string, out: Collector): string[] {
  if (Array.isArray(dependsOn)) {
    return dependsOn.flatMap((name, i) => {
      if (typeof name === 'string') return [name];
      out.error(`${at}[${i}]`, `${JSON.stringify(name)} is not a service name`);
      return [];
    });
  }
  if (dependsOn === null || typeof dependsOn !== 'object') {
    out.error(at, 'must be a list of service names or a mapping of service names to conditions');
    return [];
  }
  for (const [name, spec] of Object.entries(dependsOn as Dict)) {
    if (spec === null || spec === undefined) continue;
    if (typeof spec !== 'object' || Array.isArray(spec)) {
      out.error(`${at}.${name}`, 'must be a mapping (condition, restart, required)');
      continue;
    }
    for (const key of Object.keys(spec)) {
      if (!DEPENDS_ON_KEYS.has(key)) out.error(`${at}.${name}.${key}`, 'is not a compose key');
    }
  }
  return Object.keys(dependsOn as Dict);
}

const BUILD_KEYS = new Set(['context', 'dockerfile', 'args', 'target']);

/** The digest of a local build (core/build-digest.ts), or an error at `at` when its files cannot be read. */
function digestOrReport(
  at: string,
  context: string,
  out: Collector,
  settings: Omit<BuildDigestInput, 'context'>,
): BuildDigest | undefined {
  try {
    return buildDigest({ context, ...settings });
  } catch (error) {
    out.error(at, `cannot read the build context ${context}: ${(error as Error).message}`);
    return undefined;
  }
}

function translateBuild(
  build: unknown,
  uninterpolated: unknown,
  at: string,
  service: ServiceContext,
  out: Collector,
): { build: Dict; localContext?: string } {
  const { baseDir, allowContextOutside } = service;
  const spec: Dict = typeof build === 'string' ? { context: build } : (build as Dict);
  for (const key of Object.keys(spec)) {
    if (BUILD_KEYS.has(key)) continue;
    if (key === 'dockerfile_inline')
      out.error(`${at}.${key}`, 'is not supported by modeshift: put the Dockerfile in the context');
    else
      out.warn(
        `${at}.${key}`,
        'ignored: CodeBuild builds with the context, dockerfile, args and target only',
      );
  }
  const context = typeof spec.context === 'string' ? spec.context : '.';
  const result: Dict = {};
  if (typeof spec.dockerfile === 'string') result.dockerfile = spec.dockerfile;
  if (spec.target !== undefined) result.target = spec.target;
  if (spec.args !== undefined) {
    const rawArgs =
      typeof uninterpolated === 'object' && uninterpolated !== null
        ? (uninterpolated as Dict).args
        : undefined;
    const { plain, configArgs } = translateBuildArgs(spec.args, rawArgs, `${at}.args`, service, out);
    result.args = plain;
    if (configArgs.length > 0) result.configArgs = configArgs;
  }
  if (context.startsWith('s3://')) return { build: { ...result, context } };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@')) {
    out.error(
      `${at}.context`,
      `${JSON.stringify(context)}: only local folders and s3:// URLs are supported as build contexts`,
    );
    return { build: result };
  }
  const localContext = isAbsolute(context) ? context : resolve(baseDir, context);
  if (!existsSync(localContext) || !statSync(localContext).isDirectory()) {
    out.error(`${at}.context`, `${JSON.stringify(context)} is not a folder (resolved to ${localContext})`);
  } else if (!allowContextOutside) {
    refuseContextOutside(context, localContext, baseDir, `${at}.context`, out);
  }
  return { build: result, localContext };
}

/**
 * A build context must be the compose file's folder or inside it, once links are followed: what
 * lies outside (`../..`, `/etc/ssl`) is not the project's and is not uploaded.
 */
function refuseContextOutside(
  context: string,
  localContext: string,
  baseDir: string,
  at: string,
  out: Collector,
) {
  const folder = realpathSync(baseDir);
  const real = realpathSync(localContext);
  const inside = relative(folder, real);
  if (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return;
  const via = real === resolve(localContext) ? '' : ` (through a link, to ${real})`;
  out.error(
    at,
    `${JSON.stringify(context)} is outside the compose file's folder ${folder}: it resolves to ${localContext}${via}. Only a folder inside the project is uploaded as a build context; pass --allow-context-outside to upload it anyway`,
  );
}

/** Resource keys Fargate has no setting for, other than devices: reported, not refused. */
const UNSIZED_RESOURCE = 'ignored: Fargate sizes tasks by cpus and memory';

/** CPUs or memory asked for under `limits` or `reservations`: the amount, and the text the file gives. */
interface Asked {
  readonly amount: number;
  readonly text: string;
  readonly under: 'limits' | 'reservations';
}

/**
 * `deploy.replicas` and the task size. The larger of `limits` and `reservations`, for cpus and for
 * memory each, decides the size, rounded up to the nearest Fargate size.
 */
function translateResources(deploy: Dict | undefined, at: string, out: Collector): Dict {
  const result: Dict = {};
  if (!deploy) return result;
  for (const key of Object.keys(deploy)) {
    if (key === 'replicas' || key === 'resources') continue;
    if (key === 'mode' && deploy.mode !== 'replicated') {
      out.error(
        `${at}.mode`,
        `${JSON.stringify(deploy.mode)} is not supported by modeshift (only replicated)`,
      );
    } else if (key !== 'mode') {
      out.warn(`${at}.${key}`, 'ignored: the mode decides deployment behaviour');
    }
  }
  if (deploy.replicas !== undefined) result.replicas = deploy.replicas;
  const resources = (deploy.resources ?? {}) as Dict;
  for (const key of Object.keys(resources)) {
    if (key !== 'limits' && key !== 'reservations') out.warn(`${at}.resources.${key}`, UNSIZED_RESOURCE);
  }
  const limits = readResourceAmounts(resources.limits, 'limits', `${at}.resources`, out);
  const reservations = readResourceAmounts(resources.reservations, 'reservations', `${at}.resources`, out);
  if (limits === undefined || reservations === undefined) return result;
  const larger = (a: Asked | undefined, b: Asked | undefined) =>
    a === undefined || (b !== undefined && b.amount > a.amount) ? b : a;
  const cpus = larger(limits.cpus, reservations.cpus);
  const memory = larger(limits.memory, reservations.memory);
  if (cpus === undefined && memory === undefined) return result;

  const cpu = cpus?.amount ?? 256;
  const mib = memory?.amount ?? 512;
  const sources = new Set([cpus?.under, memory?.under].filter((under) => under !== undefined));
  const where = sources.size === 1 ? `${at}.resources.${[...sources][0]}` : `${at}.resources`;
  const size = roundUpToFargateSize(cpu, mib);
  if (size === undefined) {
    out.error(where, `${cpu} CPU units with ${mib} MiB exceeds the largest Fargate task (16 vCPU, 120 GiB)`);
    return result;
  }
  Object.assign(result, size);
  if (size.cpu !== cpu || size.memory !== mib) {
    // Said only when limits and reservations each decided one of the two.
    const from = (asked: Asked) => (sources.size > 1 ? ` in ${asked.under}` : '');
    const asked = [
      cpus && `${cpus.text} CPUs${from(cpus)}`,
      memory && `${memory.text} memory${from(memory)}`,
    ].filter(Boolean);
    out.warn(
      where,
      `rounded up to the Fargate size ${size.cpu / 1024} vCPU / ${size.memory} MiB (asked for ${asked.join(' and ')})`,
    );
  }
  return result;
}

/**
 * The cpus (in CPU units) and memory (in MiB) of `limits` or `reservations`; undefined when one is
 * not a size (reported). GPU devices are refused; other keys are reported and ignored.
 */
function readResourceAmounts(
  amounts: unknown,
  under: Asked['under'],
  at: string,
  out: Collector,
): { cpus?: Asked; memory?: Asked } | undefined {
  if (amounts === null || typeof amounts !== 'object') return {};
  const where = `${at}.${under}`;
  const spec = amounts as Dict;
  for (const key of Object.keys(spec)) {
    if (key === 'cpus' || key === 'memory') continue;
    if (key === 'devices') checkDevices(spec.devices, `${where}.devices`, out);
    else if (key === 'generic_resources')
      checkGenericResources(spec.generic_resources, `${where}.${key}`, out);
    else out.warn(`${where}.${key}`, UNSIZED_RESOURCE);
  }
  const result: { cpus?: Asked; memory?: Asked } = {};
  if (spec.cpus !== undefined) {
    const cpus = Number(spec.cpus);
    if (!Number.isFinite(cpus) || cpus <= 0) {
      out.error(`${where}.cpus`, `${JSON.stringify(spec.cpus)} is not a positive number of CPUs`);
      return undefined;
    }
    result.cpus = { amount: Math.ceil(cpus * 1024), text: String(spec.cpus), under };
  }
  if (spec.memory !== undefined) {
    const mib = parseMemoryMiB(spec.memory);
    if (mib === undefined) {
      out.error(`${where}.memory`, `${JSON.stringify(spec.memory)} is not a memory size (e.g. 512M, 2G)`);
      return undefined;
    }
    result.memory = { amount: mib, text: String(spec.memory), under };
  }
  return result;
}

/** Device requests: a GPU (`capabilities: [gpu]` or `driver: nvidia`) is refused; Fargate gives no others either. */
function checkDevices(devices: unknown, at: string, out: Collector) {
  if (!Array.isArray(devices)) return;
  devices.forEach((device: Dict, i) => {
    const capabilities = Array.isArray(device?.capabilities) ? device.capabilities.map(String) : [];
    const isGpu =
      capabilities.some((capability) => capability.toLowerCase() === 'gpu') ||
      String(device?.driver ?? '').toLowerCase() === 'nvidia';
    if (isGpu) out.error(`${at}[${i}]`, NO_GPUS);
    else out.warn(`${at}[${i}]`, 'ignored: Fargate tasks have no host devices');
  });
}

/** Swarm's generic resources: a GPU kind is refused, others are ignored. */
function checkGenericResources(resources: unknown, at: string, out: Collector) {
  if (!Array.isArray(resources)) return;
  resources.forEach((resource: Dict, i) => {
    const kind = String((resource?.discrete_resource_spec as Dict | undefined)?.kind ?? '');
    if (/gpu/i.test(kind)) out.error(`${at}[${i}]`, NO_GPUS);
    else out.warn(`${at}[${i}]`, UNSIZED_RESOURCE);
  });
}

/** Compose byte values (`512m`, `1.5g`, `1073741824`) in MiB, rounded up. */
export function parseMemoryMiB(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(String(value).trim());
  if (!match) return undefined;
  const factor = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  const mib = Math.ceil((Number(match[1]) * factor) / 1024 ** 2);
  return mib > 0 ? mib : undefined;
}

function translatePorts(ports: unknown, at: string, out: Collector): { ports: Dict[]; public: boolean } {
  const result: Dict[] = [];
  let isPublic = false;
  if (!Array.isArray(ports)) return { ports: result, public: false };
  ports.forEach((port, i) => {
    const where = `${at}[${i}]`;
    if (typeof port === 'number' || typeof port === 'string') {
      const match =
        /^(?:(?:\[?[\d.:a-f]*\]?):)??(?:(\d{1,5}(?:-\d{1,5})?):)?(\d{1,5}(?:-\d{1,5})?)(?:\/(\w+))?$/i.exec(
          String(port).trim(),
        );
      const target = match?.[2];
      if (!match || target === undefined) {
        out.error(where, `${JSON.stringify(port)} is not a valid port (expected 80, 8080:80 or 80/udp)`);
        return;
      }
      if (target.includes('-')) {
        out.error(where, `${JSON.stringify(port)}: port ranges are not supported by modeshift`);
        return;
      }
      const protocol = (match[3] ?? 'tcp').toLowerCase();
      if (protocol !== 'tcp' && protocol !== 'udp') {
        out.error(where, `${JSON.stringify(port)} is not a valid port (expected 80, 80/tcp or 80/udp)`);
        return;
      }
      if (/^\[?[\d.:a-f]+\]?:/i.test(String(port)) && String(port).split(':').length > 2) {
        out.warn(where, 'host IP ignored: the load balancer listens on every address');
      }
      addPublic(result, Number(target), protocol, where, out);
      isPublic = true;
      return;
    }
    const spec = port as Dict;
    for (const key of Object.keys(spec)) {
      if (!['target', 'published', 'protocol', 'mode', 'name'].includes(key)) {
        out.warn(`${where}.${key}`, 'ignored: the load balancer decides how the port is reached');
      }
    }
    const protocol = String(spec.protocol ?? 'tcp').toLowerCase();
    if (spec.mode === 'host') {
      result.push({ target: spec.target, protocol });
    } else {
      addPublic(result, spec.target as number, protocol, where, out);
      isPublic = true;
    }
  });
  return { ports: result, public: isPublic };
}

function addPublic(ports: Dict[], target: number, protocol: string, where: string, out: Collector) {
  if (protocol === 'udp') {
    out.error(
      where,
      `${target}/udp cannot be public: the load balancer speaks HTTP (use mode: host for an internal UDP port)`,
    );
    return;
  }
  ports.push({ target, protocol });
}

/** A port published and also exposed is one container port. */
function uniquePorts(ports: Dict[]): Dict[] {
  const seen = new Set<string>();
  return ports.filter((port) => {
    const key = `${String(port.target)}/${String(port.protocol)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function translateExpose(expose: unknown, at: string, out: Collector): Dict[] {
  if (!Array.isArray(expose)) return [];
  return expose.flatMap((entry, i) => {
    const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(String(entry).trim());
    if (!match || Number(match[1]) < 1 || Number(match[1]) > 65535) {
      out.error(
        `${at}[${i}]`,
        `${JSON.stringify(entry)} is not a valid port (expected 80, 80/tcp or 80/udp)`,
      );
      return [];
    }
    return [{ target: Number(match[1]), protocol: match[2] ?? 'tcp' }];
  });
}

function translateHealthcheck(healthcheck: Dict, at: string, out: Collector): Dict | undefined {
  if (healthcheck.disable === true) return undefined;
  for (const key of Object.keys(healthcheck)) {
    if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'].includes(key)) {
      out.warn(
        `${at}.${key}`,
        'ignored: ECS health checks have test, interval, timeout, retries and start_period',
      );
    }
  }
  const test = healthcheck.test;
  let command: string[];
  if (typeof test === 'string') command = ['CMD-SHELL', test];
  else if (Array.isArray(test) && test[0] === 'NONE') return undefined;
  else if (Array.isArray(test)) command = test.map(String);
  else {
    out.error(`${at}.test`, 'is required for a health check');
    return undefined;
  }
  const result: Dict = { command };
  const durations = [
    ['interval', 'intervalSeconds'],
    ['timeout', 'timeoutSeconds'],
    ['start_period', 'startPeriodSeconds'],
  ] as const;
  for (const [key, field] of durations) {
    const value = healthcheck[key];
    if (value === undefined) continue;
    const ms = parseDuration(String(value));
    if (ms === undefined)
      out.error(`${at}.${key}`, `${JSON.stringify(value)} is not a duration (e.g. 30s, 1m30s)`);
    else result[field] = Math.round(ms / 1000);
  }
  if (healthcheck.retries !== undefined) result.retries = healthcheck.retries;
  return result;
}

/** `x-modeshift` keys that become the request's service fields as they are; its schema checks the values. */
const MODESHIFT_PASSED_KEYS = ['run', 'schedule', 'role', 'policies', 'scaling'] as const;

type ModeshiftExtension = { check?: Dict } & Partial<Record<(typeof MODESHIFT_PASSED_KEYS)[number], unknown>>;

/**
 * The service extension `x-modeshift`: its `healthcheck: {path, port}` is the load balancer's
 * check, `run` and `schedule` how the service runs, `role` and `policies` its task role,
 * `scaling` its autoscaling bounds (the request's schema checks the values); unknown keys are
 * refused.
 */
function translateModeshiftExtension(extension: unknown, at: string, out: Collector): ModeshiftExtension {
  if (extension === undefined || extension === null) return {};
  const known = ['healthcheck', ...MODESHIFT_PASSED_KEYS].join(', ');
  if (typeof extension !== 'object' || Array.isArray(extension)) {
    out.error(at, `must be a mapping (${known})`);
    return {};
  }
  const result: ModeshiftExtension = {};
  for (const [key, value] of Object.entries(extension as Dict)) {
    if (key === 'healthcheck') {
      const check = translateLoadBalancerCheck(value, `${at}.${key}`, out);
      if (check !== undefined) result.check = check;
    } else if ((MODESHIFT_PASSED_KEYS as readonly string[]).includes(key))
      result[key as (typeof MODESHIFT_PASSED_KEYS)[number]] = value;
    else out.error(`${at}.${key}`, `is not an x-modeshift key (${known})`);
  }
  return result;
}

/**
 * The services another waits for with `condition: service_completed_successfully`: compose runs
 * them to completion first, so they are run-once tasks.
 */
function completedDependencies(services: Record<string, Dict>): Set<string> {
  const names = new Set<string>();
  for (const service of Object.values(services)) {
    const dependsOn = service.depends_on;
    if (dependsOn === null || typeof dependsOn !== 'object' || Array.isArray(dependsOn)) continue;
    for (const [name, spec] of Object.entries(dependsOn as Dict)) {
      if ((spec as Dict | null)?.condition === 'service_completed_successfully') names.add(name);
    }
  }
  return names;
}

/** `x-modeshift.healthcheck`: `{path, port}`; the request's schema checks the values. */
function translateLoadBalancerCheck(check: unknown, at: string, out: Collector): Dict | undefined {
  if (check === null || typeof check !== 'object' || Array.isArray(check)) {
    out.error(at, 'must be a mapping with path and, optionally, port');
    return undefined;
  }
  const result: Dict = {};
  for (const [key, value] of Object.entries(check as Dict)) {
    if (key === 'path') result.path = value;
    // A port written as text ("8080") is the number compose users mean.
    else if (key === 'port')
      result.port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    else out.error(`${at}.${key}`, 'is not a key of x-modeshift.healthcheck (path, port)');
  }
  if (result.path === undefined) {
    out.error(`${at}.path`, 'is required: the URL path the load balancer checks, e.g. /healthz');
    return undefined;
  }
  return result;
}

/** Hosts a container health check reaches its own service on. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]']);

/**
 * The load balancer's check a container health check implies: the path (and query) of the local
 * http(s) URL it fetches with curl or wget, and its port when that is not the traffic port.
 * Undefined when the check fetches nothing modeshift can read, a port the service does not
 * declare, or a path the request would refuse: the load balancer then checks `/` on the
 * traffic port, and a valid compose file stays valid.
 */
function loadBalancerCheckOf(command: readonly string[], ports: readonly Port[]): Dict | undefined {
  const [kind, ...rest] = command;
  let words = kind === 'CMD' ? rest : kind === 'CMD-SHELL' ? firstShellCommand(rest.join(' ')) : [];
  const program = (word: string | undefined) => word?.split('/').at(-1) ?? '';
  // ["CMD", "sh", "-c", "curl …"] runs the script after -c.
  if (['sh', 'bash', 'ash', 'dash'].includes(program(words[0])) && words[1] === '-c') {
    words = firstShellCommand(words[2] ?? '');
  }
  if (!['curl', 'wget'].includes(program(words[0]))) return undefined;
  const url = words
    .slice(1)
    .map(localUrl)
    .find((candidate) => candidate !== undefined);
  if (url === undefined) return undefined;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!ports.some((candidate) => candidate.protocol === 'tcp' && candidate.target === port)) return undefined;
  const path = `${url.pathname}${url.search}`;
  if (!LoadBalancerCheckSchema.safeParse({ path }).success) return undefined;
  return port === trafficPort({ ports: [...ports] }) ? { path } : { path, port };
}

/** The words of a shell script's first command (up to `||`, `&&`, `;` or a pipe); none if it cannot be read. */
function firstShellCommand(script: string): string[] {
  let tokens: ReturnType<typeof parseShellWords>;
  try {
    tokens = parseShellWords(script, (name) => `$${name}`);
  } catch {
    return [];
  }
  const words: string[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') words.push(token);
    else if ('op' in token && token.op === 'glob') words.push(token.pattern);
    else break;
  }
  return words;
}

/** `word` as an http(s) URL on the container itself (curl and wget take `localhost:8080/x` as http too). */
function localUrl(word: string): URL | undefined {
  if (word.includes('$')) return undefined;
  const text = /^https?:\/\//i.test(word)
    ? word
    : /^[\w.[\]:]+(?:[/?]|$)/.test(word)
      ? `http://${word}`
      : undefined;
  if (text === undefined || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  return LOCAL_HOSTS.has(url.hostname) ? url : undefined;
}

/**
 * The config names of a compose file: every variable or build arg some service declares without a
 * value, and the names stored in the environment's config.
 */
function composeConfigNames(
  services: Record<string, Dict>,
  stored: ReadonlySet<string> = new Set(),
): Set<string> {
  const names = new Set(stored);
  for (const service of Object.values(services)) {
    const build = service?.build;
    const args = typeof build === 'object' && build !== null ? (build as Dict).args : undefined;
    for (const declared of [service?.environment, args]) {
      for (const [key, value] of Object.entries(environmentMap(declared))) {
        if (value === null) names.add(key);
      }
    }
  }
  return names;
}

/**
 * A service's environment as the request carries it: `env_file` values first and `environment`
 * over them, as compose merges them; a variable with no value is read at task start (`secrets`).
 * A value written with `${VAR}` for a config name VAR is that config value when it is exactly
 * `${KEY}` or `$KEY` for its own variable KEY, and is refused otherwise: interpolated, the value
 * would be in plain text in the task definition.
 */
function translateEnvironment(
  service: Dict,
  uninterpolated: Dict | undefined,
  at: string,
  context: ServiceContext,
  out: Collector,
): { plain: Record<string, string>; secrets: string[] } {
  const own = environmentMap(service.environment);
  const envFiles = readEnvFiles(service.env_file, `${at}.env_file`, context.baseDir, out);
  const environment = { ...envFiles.values, ...own };
  for (const file of envFiles.files) {
    const keys = file.keys.filter((key) => !Object.hasOwn(own, key));
    if (keys.length > 0) out.warn(file.where, envFileWarning(file.path, keys, context.environment));
  }
  for (const { key, text, where } of environmentTexts(uninterpolated?.environment, `${at}.environment`)) {
    const configNames = referencedVariables(text).filter((variable) => context.configNames.has(variable));
    if (configNames.length === 0) {
      const fromShell = shellVariables(text, context);
      if (fromShell.length > 0)
        out.warn(where, interpolatedWarning(key, fromShell, 'the task definition', context.environment));
      continue;
    }
    if (text === `\${${key}}` || text === `$${key}`) {
      environment[key] = null;
      out.withdraw(where, unsetVariableWarning(key));
      continue;
    }
    out.error(
      `${at}.environment.${key}`,
      `${JSON.stringify(text)} uses the config value${configNames.length > 1 ? 's' : ''} ${configNames.join(', ')}: interpolated, the value would be in plain text in the task definition. Store the whole value as its own config value (modeshift config set ${key} --env ${context.environment}) and write ${key}: with no value`,
    );
  }
  const plain: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(environment)) {
    if (value === null) secrets.push(key);
    else plain[key] = value;
  }
  return { plain, secrets };
}

/** Build arg names that suggest a secret: warned about when their value is in the file. */
const SECRET_LIKE_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|KEY|CREDENTIAL/i;

/**
 * A service's build args: plain `KEY=value` ones, and those read from config values (`configArgs`),
 * which CodeBuild reads from Parameter Store so that no value is in the request or the build's
 * settings. An arg is a config value when it has no value (`NPM_TOKEN:` or `- NPM_TOKEN`) or is
 * exactly `${KEY}` for a config name KEY; one that interpolates a config name into a longer value is
 * refused. A plain arg taken from the shell, or whose name looks like a secret's, is warned about.
 */
function translateBuildArgs(
  args: unknown,
  uninterpolated: unknown,
  at: string,
  context: ServiceContext,
  out: Collector,
): { plain: Record<string, string>; configArgs: string[] } {
  const values = environmentMap(args);
  const configArgs = new Set(Object.keys(values).filter((key) => values[key] === null));
  const interpolated = new Set<string>();
  for (const { key, text, where } of environmentTexts(uninterpolated, at)) {
    const configNames = referencedVariables(text).filter((variable) => context.configNames.has(variable));
    if (configNames.length === 0) {
      const fromShell = shellVariables(text, context);
      if (fromShell.length === 0) continue;
      interpolated.add(key);
      out.warn(where, interpolatedWarning(key, fromShell, 'the CodeBuild build', context.environment));
      continue;
    }
    if (text === `\${${key}}` || text === `$${key}`) {
      configArgs.add(key);
      out.withdraw(where, unsetVariableWarning(key));
      continue;
    }
    out.error(
      `${at}.${key}`,
      `${JSON.stringify(text)} uses the config value${configNames.length > 1 ? 's' : ''} ${configNames.join(', ')}: interpolated, the value would be in plain text in the CodeBuild build. Store the whole value as its own config value (modeshift config set ${key} --env ${context.environment}) and write ${key}: with no value`,
    );
  }
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (configArgs.has(key) || value === null) continue;
    plain[key] = value;
    if (!interpolated.has(key) && value !== '' && SECRET_LIKE_NAME.test(key)) {
      out.warn(
        `${at}.${key}`,
        `looks like a secret, and goes to CodeBuild as a plain-text variable that anyone who can read the build sees. If it is one, store it as a config value (modeshift config set ${key} --env ${context.environment}) and write ${key}: with no value; CodeBuild then reads it from Parameter Store`,
      );
    }
  }
  return { plain, configArgs: [...configArgs] };
}

/** The variables a value takes from the shell: those it references that are set (not config names). */
function shellVariables(text: string, context: ServiceContext): string[] {
  return referencedVariables(text).filter(
    (variable) => context.variables[variable] !== undefined && !context.configNames.has(variable),
  );
}

/** A value interpolated from the shell, named by its variables and never by its value. */
function interpolatedWarning(
  key: string,
  variables: readonly string[],
  into: string,
  environment: string,
): string {
  const list = variables.map((variable) => `\${${variable}}`).join(', ');
  return `${key} is interpolated from the shell (${list}), so its value goes into ${into} in plain text. If it is a secret, store it as a config value (modeshift config set ${key} --env ${environment}) and write ${key}: with no value`;
}

/** Variables an env file sets, named without their values. */
function envFileWarning(path: string, keys: readonly string[], environment: string): string {
  return `${keys.join(', ')} from ${JSON.stringify(path)} go${keys.length === 1 ? 'es' : ''} into the task definition in plain text. If one is a secret, store it as a config value (modeshift config set NAME --env ${environment}) and write NAME: under environment with no value`;
}

/** Each value of an `environment` as the file writes it, before interpolation, with where it is. */
function environmentTexts(
  environment: unknown,
  at: string,
): Array<{ key: string; text: string; where: string }> {
  if (Array.isArray(environment)) {
    return environment.flatMap((entry, i) => {
      const eq = typeof entry === 'string' ? entry.indexOf('=') : -1;
      if (eq === -1) return [];
      const text = entry as string;
      return [{ key: text.slice(0, eq), text: text.slice(eq + 1), where: `${at}[${i}]` }];
    });
  }
  if (environment === null || typeof environment !== 'object') return [];
  return Object.entries(environment).flatMap(([key, text]) =>
    typeof text === 'string' ? [{ key, text, where: `${at}.${key}` }] : [],
  );
}

/** Compose `environment` as a map; `null` marks a value taken from outside (a secret). */
function environmentMap(environment: unknown): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  if (Array.isArray(environment)) {
    for (const entry of environment) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq === -1) result[text] = null;
      else result[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else if (environment && typeof environment === 'object') {
    for (const [key, value] of Object.entries(environment)) {
      result[key] = value === null || value === undefined ? null : String(value);
    }
  }
  return result;
}

/** An env file read: where the compose file names it, its path as written, and the variables it set. */
interface EnvFileRead {
  readonly where: string;
  readonly path: string;
  readonly keys: readonly string[];
}

function readEnvFiles(
  envFile: unknown,
  at: string,
  baseDir: string,
  out: Collector,
): { values: Record<string, string>; files: EnvFileRead[] } {
  const files: EnvFileRead[] = [];
  if (envFile === undefined) return { values: {}, files };
  const list = Array.isArray(envFile) ? envFile : [envFile];
  const result: Record<string, string> = {};
  list.forEach((raw, i) => {
    const where = Array.isArray(envFile) ? `${at}[${i}]` : at;
    const entry =
      typeof raw === 'string'
        ? { path: raw, required: true }
        : (raw as { path?: unknown; required?: unknown });
    if (typeof entry !== 'object' || entry === null || typeof entry.path !== 'string') {
      out.error(where, 'must be a file path or a mapping with path (and required)');
      return;
    }
    const unknownKey = Object.keys(entry).find(
      (key) => key !== 'path' && key !== 'required' && key !== 'format',
    );
    if (unknownKey !== undefined) {
      out.error(`${where}.${unknownKey}`, 'is not a compose key');
      return;
    }
    const file = isAbsolute(entry.path) ? entry.path : resolve(baseDir, entry.path);
    if (existsSync(file) && !statSync(file).isFile()) {
      out.error(where, `${JSON.stringify(entry.path)} is not a file`);
      return;
    }
    if (!existsSync(file)) {
      if (entry.required !== false)
        out.error(where, `${JSON.stringify(entry.path)} does not exist (resolved to ${file})`);
      return;
    }
    const values = parseDotenv(readFileSync(file));
    Object.assign(result, values);
    files.push({ where, path: entry.path, keys: Object.keys(values) });
  });
  return { values: result, files };
}

/** What {@link toComposePath} needs to know of the request's services and databases, by index. */
interface RequestNames {
  readonly services: ReadonlyArray<{
    readonly name: string;
    readonly secrets: readonly string[];
  }>;
  readonly databases: readonly string[];
  readonly caches: readonly string[];
}

/** Request fields by the compose key they come from. */
const COMPOSE_KEYS: Readonly<Record<string, string>> = {
  dependsOn: 'depends_on',
  healthCheck: 'healthcheck',
  cpu: 'deploy.resources.limits.cpus',
  memory: 'deploy.resources.limits.memory',
  replicas: 'deploy.replicas',
  public: 'ports',
  secrets: 'environment',
  run: 'x-modeshift.run',
  schedule: 'x-modeshift.schedule',
  role: 'x-modeshift.role',
  policies: 'x-modeshift.policies',
  scaling: 'x-modeshift.scaling',
};

/**
 * `services[2].ports[0]` → `services.web.ports[0]`, so errors point into the compose file:
 * `services[0].secrets[1]` names the variable (`services.api.environment.DATABASE_PASSWORD`), and
 * `loadBalancerCheck` is `x-modeshift.healthcheck`.
 */
function toComposePath(path: string, names: RequestNames): string {
  const service = /^services\[(\d+)\](?:\.(\w+))?(.*)$/.exec(path);
  if (service) {
    const [, index, field, rest = ''] = service;
    const known = names.services[Number(index)];
    const base = `services.${known?.name ?? index}`;
    if (field === undefined || field === 'name') return `${base}${rest}`;
    const secret = /^\[(\d+)\]/.exec(rest);
    if (field === 'secrets' && secret) {
      const variable = known?.secrets[Number(secret[1])];
      return variable === undefined ? `${base}.environment` : `${base}.environment.${variable}`;
    }
    // A check derived from the compose healthcheck is one the request accepts: only x-modeshift's can be refused.
    if (field === 'loadBalancerCheck') return `${base}.x-modeshift.healthcheck${rest}`;
    return `${base}.${COMPOSE_KEYS[field] ?? field}${rest}`;
  }
  return path
    .replace(/^databases\[(\d+)\](?:\.(\w+))?/, (_, i: string, field: string | undefined) => {
      const base = `services.${names.databases[Number(i)] ?? i}`;
      if (field === 'snapshot') return `${base}.x-defang-postgres.snapshot`;
      return field === 'name' || field === undefined ? base : `${base}.x-defang-postgres`;
    })
    .replace(/^caches\[(\d+)\](?:\.(\w+))?/, (_, i: string, field: string | undefined) => {
      const base = `services.${names.caches[Number(i)] ?? i}`;
      if (field === 'snapshot') return `${base}.x-defang-redis.snapshot`;
      return field === 'name' || field === undefined ? base : `${base}.image`;
    })
    .replace(/^domain$/, 'domainname')
    .replace(/^project$/, 'name');
}
