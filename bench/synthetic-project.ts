/**
 * Synthetic projects of any size, shaped like compose projects grow: chains
 * of services (`c<chain>-s1` ← `c<chain>-s2` ← …, each depending on the one
 * before), the first of each chain depending on a managed Postgres, every
 * other service built from source, the top of every other chain public on
 * the project's domain, a few environment variables and a secret each.
 * A built service's image tag stands for its sources' digest, as the CLI
 * computes it from a local context (core/build-digest.ts): the same on every
 * deploy unless the service is named as changed.
 */
import { createHash } from 'node:crypto';
import type { Mode } from '../core/policy.ts';
import { type DeployRequest, parseDeployRequest } from '../core/request.ts';

export interface ProjectShape {
  /** Services in a dependency chain: the number of deployment waves. @default 4 */
  readonly chainLength: number;
  /** Services per managed database (at least one database). @default 25 */
  readonly servicesPerDatabase: number;
}

export const DEFAULT_SHAPE: ProjectShape = { chainLength: 4, servicesPerDatabase: 25 };

export function syntheticRequest(
  services: number,
  mode: Mode,
  deploymentId: string,
  shape: ProjectShape = DEFAULT_SHAPE,
  /** Built services whose sources changed since the last deploy: their image tag is another. */
  changed: readonly string[] = [],
): DeployRequest {
  const databases = Math.max(1, Math.ceil(services / shape.servicesPerDatabase));
  const list = Array.from({ length: services }, (_, index) => {
    const chain = Math.floor(index / shape.chainLength);
    const link = index % shape.chainLength;
    const last = link === shape.chainLength - 1 || index === services - 1;
    const name = `c${chain}-s${link + 1}`;
    const dependsOn = link === 0 ? [`db${chain % databases}`] : [`c${chain}-s${link}`];
    const isPublic = last && chain % 2 === 0;
    return {
      name,
      ...(index % 2 === 0
        ? {
            build: {
              context: `s3://modeshift-artifacts/bench/perf/${name}/context.tar.gz`,
              imageTag: sourceTag(name, changed.includes(name)),
            },
          }
        : { image: 'public.ecr.aws/docker/library/nginx:1.27' }),
      cpu: 256,
      memory: 512,
      replicas: 2,
      ports: [8080],
      public: isPublic,
      ...(isPublic
        ? { healthCheck: { command: ['CMD', 'curl', '-f', 'http://localhost:8080/health'] } }
        : {}),
      environment: { LOG_LEVEL: 'info', PORT: '8080', CHAIN: String(chain) },
      secrets: ['API_TOKEN'],
      dependsOn,
    };
  });
  return parseDeployRequest({
    project: 'bench',
    environment: 'perf',
    mode,
    deploymentId,
    services: list,
    databases: Array.from({ length: databases }, (_, index) => ({ name: `db${index}` })),
    domain: 'bench.example.com',
  });
}

/** A stand-in for a service's sources' digest: `src-` and 24 hex digits, as core/build-digest.ts makes it. */
function sourceTag(service: string, changed: boolean): string {
  const digest = createHash('sha256').update(`${service}:${changed ? 'changed' : 'original'}`);
  return `src-${digest.digest('hex').slice(0, 24)}`;
}
