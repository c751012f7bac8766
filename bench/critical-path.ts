/**
 * The lower bound a run is measured against: the longest chain of dependent
 * provisioning delays, from a dependency graph of what the request needs.
 * Each node's duration is the one the run actually drew for it (the world's
 * log); API calls, Lambda invocations and state transitions count as zero,
 * so no workflow, however arranged, could finish sooner.
 *
 * Deploy:
 *   network → NAT gateways, each database, load balancer, private namespace
 *   validation record → certificate;  load balancer + certificate → listener
 *   image build (per built service)
 *   service stable ← cluster, log groups, network + NAT, namespace, its own build,
 *     the listener (public services), the databases and the services it depends on
 *     (+ the old tasks stopping first in a replace deploy of a running service)
 *   DNS records ← the public services
 * Down:
 *   services drained and deleted → load balancer, private namespace, NAT gateways deleted
 *   (final snapshot →) database deleted
 *   all of them → VPC deleted
 */
import type { DeployInput } from '../core/execution-input.ts';
import { serviceNames } from '../core/names.ts';
import type { DeployRequest } from '../core/request.ts';
import type { Provisioning } from './world.ts';

export interface LowerBound {
  readonly seconds: number;
  /** The chain that sets it, first to last. */
  readonly path: readonly string[];
}

interface Node {
  readonly end: number;
  readonly path: readonly string[];
}

const START: Node = { end: 0, path: [] };

function latest(...nodes: Node[]): Node {
  return nodes.reduce((best, node) => (node.end > best.end ? node : best), START);
}

function then(node: Node, label: string, seconds: number): Node {
  return { end: node.end + seconds, path: [...node.path, label] };
}

/** Durations the run drew, by key (the last draw of a key wins: a run's own). */
function durations(log: readonly Provisioning[]): (key: string) => number {
  const byKey = new Map(log.map((entry) => [entry.key, entry.seconds]));
  return (key) => byKey.get(key) ?? 0;
}

function longest(log: readonly Provisioning[], prefix: string, label: string, after: Node): Node {
  const matching = log.filter((entry) => entry.key.startsWith(prefix));
  if (matching.length === 0) return after;
  const slowest = matching.reduce((best, entry) => (entry.seconds > best.seconds ? entry : best));
  return then(after, `${label} ${Math.round(slowest.seconds)}s`, slowest.seconds);
}

export function deployLowerBound(
  input: DeployInput,
  request: DeployRequest,
  log: readonly Provisioning[],
): LowerBound {
  const seconds = durations(log);
  const network = then(START, `network ${Math.round(seconds('network'))}s`, seconds('network'));
  const nat = longest(log, 'nat:', 'NAT gateway', network);
  const namespace = then(network, `namespace ${Math.round(seconds('namespace'))}s`, seconds('namespace'));
  const databases = new Map(
    input.databases.map((database) => {
      const key = `db:${database.instance}`;
      return [
        database.name,
        then(network, `database ${database.name} ${Math.round(seconds(key))}s`, seconds(key)),
      ];
    }),
  );
  let listener = START;
  if (input.hasPublicServices) {
    const loadBalancer = then(network, `load balancer ${Math.round(seconds('lb'))}s`, seconds('lb'));
    const certificate = input.hasDomain
      ? then(
          then(
            START,
            `validation record ${Math.round(seconds('certificate-record'))}s`,
            seconds('certificate-record'),
          ),
          `certificate ${Math.round(seconds('certificate'))}s`,
          seconds('certificate'),
        )
      : START;
    listener = latest(loadBalancer, certificate);
  }
  const builds = new Map(
    input.builds.map((build) => [
      build.service,
      longest(
        log,
        `build:${serviceNames(input.project, input.environment, build.service).codeBuildProject}:`,
        `build ${build.service}`,
        START,
      ),
    ]),
  );
  const services = new Map<string, Node>();
  const ordered = input.waves.flatMap((wave) => wave.services);
  const dependencies = new Map(request.services.map((service) => [service.name, service.dependsOn]));
  for (const service of ordered) {
    const ready = latest(
      nat,
      namespace,
      builds.get(service.name) ?? START,
      service.public ? listener : START,
      ...(dependencies.get(service.name) ?? []).map(
        (name) => databases.get(name) ?? services.get(name) ?? START,
      ),
    );
    const deployment = lastDeployment(log, service.name);
    const stopped = log.find((entry) => entry.key === `${deployment?.key}:stop`)?.seconds ?? 0;
    const rollout = deployment?.seconds ?? 0;
    const afterStop =
      stopped > 0 ? then(ready, `old ${service.name} tasks stop ${Math.round(stopped)}s`, stopped) : ready;
    services.set(service.name, then(afterStop, `service ${service.name} ${Math.round(rollout)}s`, rollout));
  }
  const end = latest(
    nat,
    namespace,
    ...databases.values(),
    listener,
    ...builds.values(),
    ...services.values(),
  );
  return { seconds: end.end, path: end.path };
}

function lastDeployment(log: readonly Provisioning[], service: string): Provisioning | undefined {
  return log
    .filter((entry) => /^service:.+:\d+$/.test(entry.key) && entry.key.startsWith(`service:${service}:`))
    .at(-1);
}

export function downLowerBound(log: readonly Provisioning[]): LowerBound {
  const seconds = durations(log);
  const services = longest(log, 'delete:', 'service drained and deleted', START);
  const loadBalancer =
    seconds('delete-lb') > 0
      ? then(services, `load balancer deleted ${Math.round(seconds('delete-lb'))}s`, seconds('delete-lb'))
      : services;
  const namespace = then(
    services,
    `namespace deleted ${Math.round(seconds('delete-namespace'))}s`,
    seconds('delete-namespace'),
  );
  const nat = longest(log, 'delete-nat:', 'NAT gateway deleted', services);
  const databases = log
    .filter((entry) => entry.key.startsWith('delete-db:'))
    .map((entry) => {
      const instance = entry.key.slice('delete-db:'.length);
      const snapshot = seconds(`snapshot:${instance}`);
      const afterSnapshot =
        snapshot > 0 ? then(START, `final snapshot ${instance} ${Math.round(snapshot)}s`, snapshot) : START;
      return then(afterSnapshot, `database ${instance} deleted ${Math.round(entry.seconds)}s`, entry.seconds);
    });
  const before = latest(loadBalancer, namespace, nat, ...databases);
  const end = then(before, `VPC deleted ${Math.round(seconds('delete-vpc'))}s`, seconds('delete-vpc'));
  return { seconds: end.end, path: end.path };
}
