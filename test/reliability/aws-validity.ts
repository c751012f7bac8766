/**
 * What AWS itself would refuse in an accepted deployment request: an oracle
 * for the hostile-input properties, written from AWS's documented rules rather
 * than from modeshift's schema, so the two can disagree. Every name
 * core/names.ts derives is checked twice: against the limits its rules
 * functions declare, and against the character and prefix rules of the
 * service that receives it.
 */

import {
  accessLogBucketName,
  databaseNameRules,
  databaseNames,
  environmentNameRules,
  environmentNames,
  executionName,
  firstTooLong,
  type NameRule,
  serviceNameRules,
  serviceNames,
} from '../../core/names.ts';
import { publicHostnames } from '../../core/plan.ts';
import { checkPolicyConsistency, type Policy } from '../../core/policy.ts';
import type { DeployRequest } from '../../core/request.ts';
import { deploymentWaves } from '../../core/waves.ts';

/** Fargate's CPU/memory pairs, copied from the ECS developer guide (not from core/fargate.ts). */
const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly [from: number, to: number, step: number]> = new Map(
  [
    [256, [512, 2048, 512]],
    [512, [1024, 4096, 1024]],
    [1024, [2048, 8192, 1024]],
    [2048, [4096, 16384, 1024]],
    [4096, [8192, 30720, 1024]],
    [8192, [16384, 61440, 4096]],
    [16384, [32768, 122880, 8192]],
  ],
);

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** ELB load balancer and target group names. */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
/** RDS instance and snapshot identifiers: a letter first, no `--`, no trailing hyphen. */
const RDS_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$|^[A-Za-z]$/;
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CODEBUILD_PROJECT = /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/;
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const ECR_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters Step Functions refuses in an execution name. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what Step Functions refuses
const EXECUTION_NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
/** ECS refuses a task definition over 64 KiB. */
const TASK_DEFINITION_BYTES = 64 * 1024;

function dnsNameProblems(what: string, name: string, allowWildcard = false): string[] {
  const problems: string[] = [];
  if (name.length > 253) problems.push(`${what} "${name}" is ${name.length} characters (DNS allows 253)`);
  name.split('.').forEach((label, i) => {
    if (allowWildcard && i === 0 && label === '*') return;
    if (!DNS_LABEL.test(label)) problems.push(`${what} "${name}" has the label "${label}", not a DNS label`);
  });
  return problems;
}

function ruleProblems(rules: readonly NameRule[]): string[] {
  const broken = firstTooLong(rules);
  return broken ? [`${broken.what} "${broken.value}" is over ${broken.maxLength} characters`] : [];
}

function matches(what: string, value: string, pattern: RegExp): string[] {
  return pattern.test(value) ? [] : [`${what} ${JSON.stringify(value)} breaks AWS's naming rule`];
}

function bucketProblems(bucket: string): string[] {
  const problems = matches('S3 bucket name', bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  if (bucket.includes('..')) problems.push(`S3 bucket name "${bucket}" has ".."`);
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (bucket.startsWith(prefix)) problems.push(`S3 bucket name "${bucket}" starts with "${prefix}"`);
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (bucket.endsWith(suffix)) problems.push(`S3 bucket name "${bucket}" ends with "${suffix}"`);
  }
  return problems;
}

function environmentProblems(project: string, environment: string): string[] {
  const names = environmentNames(project, environment);
  return [
    ...ruleProblems(environmentNameRules(project, environment)),
    ...matches('project', project, DNS_LABEL),
    ...matches('environment', environment, DNS_LABEL),
    ...matches('load balancer name', names.loadBalancer, ELB_NAME),
    ...(names.loadBalancer.startsWith('internal-')
      ? [`load balancer name "${names.loadBalancer}" starts with "internal-"`]
      : []),
    ...[names.albSecurityGroup, names.serviceSecurityGroup, names.databaseSecurityGroup].flatMap((group) =>
      group.startsWith('sg-') || group.length > 255
        ? [`security group name "${group}" starts with "sg-" or is over 255 characters`]
        : [],
    ),
    ...matches('ECS cluster name', names.cluster, ECS_NAME),
    ...matches('RDS subnet group name', names.dbSubnetGroup, /^(?!default$)[A-Za-z0-9 ._-]{1,255}$/),
    ...matches('scheduler schedule name', names.expirySchedule, SCHEDULE_NAME),
    ...bucketProblems(accessLogBucketName(project, environment, '123456789012', 'us-east-1')),
    ...dnsNameProblems('private zone', names.privateZone),
  ];
}

function isFargateSize(cpu: number, memory: number): boolean {
  const range = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (!range) return false;
  const [from, to, step] = range;
  return Number.isInteger(memory) && memory >= from && memory <= to && (memory - from) % step === 0;
}

type Service = DeployRequest['services'][number];

function serviceProblems(request: DeployRequest, service: Service): string[] {
  const { project, environment } = request;
  const names = serviceNames(project, environment, service.name);
  const at = `service ${JSON.stringify(service.name)}`;
  const problems = [
    ...ruleProblems(serviceNameRules(project, environment, service.name)),
    ...matches('service name', service.name, DNS_LABEL),
    ...matches('ECS service name', names.ecsService, ECS_NAME),
    ...matches('task definition family', names.taskFamily, ECS_NAME),
    ...matches('CodeBuild project name', names.codeBuildProject, CODEBUILD_PROJECT),
    ...(names.ecrRepository.length > 256 ? ['ECR repository name over 256 characters'] : []),
    ...matches('ECR repository name', names.ecrRepository, ECR_REPOSITORY),
    ...matches('log group name', names.logGroup, LOG_GROUP),
    ...dnsNameProblems(
      'private DNS name',
      `${service.name}.${environmentNames(project, environment).privateZone}`,
    ),
  ];
  if (service.public) {
    problems.push(...matches('target group name', names.targetGroup, ELB_NAME));
    if (!service.ports.some((port) => port.protocol === 'tcp'))
      problems.push(`${at} is public without a tcp port`);
  }
  if (!isFargateSize(service.cpu, service.memory)) {
    problems.push(`${at}: cpu ${service.cpu} / memory ${service.memory} is not a Fargate size`);
  }
  if (!Number.isInteger(service.replicas) || service.replicas < 0 || service.replicas > 5000) {
    problems.push(`${at}: ${service.replicas} replicas is outside 0–5000`);
  }
  if (service.ports.length > 32) problems.push(`${at} has more than 32 ports`);
  for (const port of service.ports) {
    if (!Number.isInteger(port.target) || port.target < 1 || port.target > 65535) {
      problems.push(`${at}: port ${port.target} is outside 1–65535`);
    }
    if (port.protocol !== 'tcp' && port.protocol !== 'udp') problems.push(`${at}: protocol ${port.protocol}`);
    if (`${service.name}-${port.target}-${port.protocol}`.length > 64)
      problems.push(`${at}: port mapping name`);
  }
  let environmentBytes = 0;
  for (const [name, value] of Object.entries(service.environment)) {
    if (!ENV_VAR_NAME.test(name)) problems.push(`${at}: environment variable name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || value.includes('\0'))
      problems.push(`${at}: environment value of ${name}`);
    environmentBytes += Buffer.byteLength(name) + Buffer.byteLength(String(value));
  }
  if (environmentBytes > 32 * 1024) {
    problems.push(
      `${at}: ${environmentBytes} bytes of environment variables (modeshift promises at most 32 KiB)`,
    );
  }
  for (const name of service.secrets) {
    if (!ENV_VAR_NAME.test(name)) problems.push(`${at}: secret name ${JSON.stringify(name)}`);
    if (Object.hasOwn(service.environment, name)) problems.push(`${at}: ${name} is both secret and plain`);
  }
  // The RegisterTaskDefinition request as the step sends it (functions/steps/register-task-definition.ts).
  const taskDefinition = {
    family: names.taskFamily,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(service.cpu),
    memory: String(service.memory),
    executionRoleArn: 'arn:aws:iam::123456789012:role/modeshift-task-execution',
    containerDefinitions: [
      {
        name: service.name,
        image:
          service.image ??
          `123456789012.dkr.ecr.us-east-1.amazonaws.com/${names.ecrRepository}:${request.deploymentId}`,
        essential: true,
        portMappings: service.ports.map((port) => ({
          containerPort: port.target,
          protocol: port.protocol,
          name: `${service.name}-${port.target}-${port.protocol}`,
        })),
        environment: Object.entries(service.environment).map(([name, value]) => ({ name, value })),
        secrets: service.secrets.map((name) => ({
          name,
          valueFrom: `/modeshift/${project}/${environment}/${name}`,
        })),
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': names.logGroup,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': service.name,
          },
        },
        ...(service.healthCheck ? { healthCheck: { ...service.healthCheck } } : {}),
        ...(service.command ? { command: service.command } : {}),
        ...(service.entrypoint ? { entryPoint: service.entrypoint } : {}),
      },
    ],
    tags: [
      { key: 'modeshift:project', value: project },
      { key: 'modeshift:environment', value: environment },
      { key: 'modeshift:mode', value: request.mode },
      { key: 'modeshift:deployment', value: request.deploymentId },
    ],
  };
  const taskDefinitionBytes = Buffer.byteLength(JSON.stringify(taskDefinition));
  if (taskDefinitionBytes > TASK_DEFINITION_BYTES) {
    problems.push(`${at}: its task definition is ${taskDefinitionBytes} bytes (ECS allows 64 KiB)`);
  }
  const health = service.healthCheck;
  if (health) {
    if (health.command.length < 2 || !['CMD', 'CMD-SHELL'].includes(health.command[0] ?? '')) {
      problems.push(`${at}: health check command`);
    }
    const inRange = (value: number, min: number, max: number) =>
      Number.isInteger(value) && value >= min && value <= max;
    if (!inRange(health.intervalSeconds, 5, 300)) problems.push(`${at}: health check interval`);
    if (!inRange(health.timeoutSeconds, 2, 60)) problems.push(`${at}: health check timeout`);
    if (!inRange(health.retries, 1, 10)) problems.push(`${at}: health check retries`);
    if (!inRange(health.startPeriodSeconds, 0, 300)) problems.push(`${at}: health check start period`);
  }
  return problems;
}

function databaseProblems(request: DeployRequest, database: DeployRequest['databases'][number]): string[] {
  const { project, environment } = request;
  const { instance } = databaseNames(project, environment, database.name);
  return [
    ...ruleProblems(databaseNameRules(project, environment, database.name)),
    ...matches('database name', database.name, DNS_LABEL),
    ...(instance.length > 63 ? [`RDS instance identifier "${instance}" is over 63 characters`] : []),
    ...matches('RDS instance identifier', instance, RDS_IDENTIFIER),
    ...matches('RDS final snapshot identifier', `${instance}-final-20261126070000`, RDS_IDENTIFIER),
    ...dnsNameProblems(
      'database DNS name',
      `${database.name}.${environmentNames(project, environment).privateZone}`,
    ),
    ...matches('Postgres database name', database.databaseName, /^[A-Za-z][A-Za-z0-9_]{0,62}$/),
    ...matches('Postgres master user name', database.username, /^[A-Za-z][A-Za-z0-9_]{0,62}$/),
    ...(database.username.toLowerCase() === 'rdsadmin' ? ['master user name "rdsadmin" is reserved'] : []),
    ...(Number.isInteger(database.storageGiB) && database.storageGiB >= 20 && database.storageGiB <= 65536
      ? []
      : [`database storage ${database.storageGiB} GiB is outside 20–65536`]),
  ];
}

function publicNameProblems(request: DeployRequest): string[] {
  const production = request.mode === 'production';
  return publicHostnames(request, production).flatMap((host) => [
    ...(host.zone === undefined
      ? []
      : [
          ...dnsNameProblems('public zone', host.zone),
          // The environment's certificate names every zone and its wildcard (EnsureCertificate).
          ...dnsNameProblems('certificate name', `*.${host.zone}`, true),
        ]),
    ...(host.hostname === undefined ? [] : dnsNameProblems('public hostname', host.hostname)),
  ]);
}

/**
 * Everything AWS would refuse in a request modeshift accepted, as readable
 * lines; empty when the request is valid for AWS. `policy` is the resolved
 * policy, when the caller has it.
 */
export function awsValidityProblems(request: DeployRequest, policy?: Policy): string[] {
  const { project, environment, deploymentId } = request;
  const execution = executionName(project, environment, deploymentId);
  const problems = [
    ...environmentProblems(project, environment),
    ...(execution.length > 80 || EXECUTION_NAME_FORBIDDEN.test(execution)
      ? [`execution name ${JSON.stringify(execution)} breaks Step Functions' rule`]
      : []),
    ...matches('image tag (deployment id)', deploymentId, ECR_TAG),
    ...request.services.flatMap((service) => serviceProblems(request, service)),
    ...request.databases.flatMap((database) => databaseProblems(request, database)),
    ...publicNameProblems(request),
  ];
  if (request.services.length + request.databases.length > 1000) problems.push('over 1000 services');
  const names = [...request.services, ...request.databases].map((entry) => entry.name);
  if (new Set(names).size !== names.length) problems.push('two services or databases share a name');
  for (const service of request.services) {
    for (const dependency of service.dependsOn) {
      if (!names.includes(dependency) || dependency === service.name) {
        problems.push(`service ${service.name} depends on ${JSON.stringify(dependency)}`);
      }
    }
  }
  try {
    deploymentWaves(request.services);
  } catch (error) {
    problems.push(`the services cannot be put in deployment waves: ${(error as Error).message}`);
  }
  if (policy) problems.push(...checkPolicyConsistency(policy).map((problem) => problem.message));
  return problems;
}
