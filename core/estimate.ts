/**
 * The monthly cost of a deployment in one mode: every priced resource of its
 * plan, with the arithmetic shown. Pure: a plan, a price table and a few
 * usage assumptions in, line items out, so `estimate` and `plan --compare`
 * agree and tests can check the figures by hand.
 *
 * An estimate, not a bill: usage that modeshift cannot know (builds, log
 * volume, NAT traffic, load-balancer capacity units, how many environments
 * share a shared network) comes from assumptions that are printed with every
 * estimate and can be overridden.
 *
 * In a shared network (`network: shared`, core/shared-network.ts) the pieces
 * that bill by the hour whoever uses them (the load balancer, the NAT
 * gateways and their public addresses) are the project's, not the
 * environment's: each environment is priced its share, the whole divided by
 * `sharedBy`. What it uses on its own (its tasks' public addresses, its NAT
 * traffic) is not divided.
 */
import { serviceScaling } from './autoscaling.ts';
import { InputError, type Problem } from './errors.ts';
import { type DeploymentPlan, isSharedNetworkPiece, planDeployment } from './plan.ts';
import type { Mode, ResolvedPolicy } from './policy.ts';
import type { PriceTable } from './prices.ts';
import { type DeployRequest, isLongRunning, type Service } from './request.ts';
import { MANAGED_RULE_GROUP_NAMES } from './waf-rules.ts';

/** Usage modeshift cannot read from the compose file, with the defaults an estimate starts from. */
export const DEFAULT_ASSUMPTIONS = {
  hoursPerMonth: 730,
  spotShare: 1,
  buildsPerMonth: 20,
  buildMinutes: 5,
  logGbPerService: 1,
  natGbProcessed: 10,
  albLcus: 1,
  sharedBy: 10,
} as const;

export type AssumptionName = keyof typeof DEFAULT_ASSUMPTIONS;
export type Assumptions = Readonly<Record<AssumptionName, number>>;
export const ASSUMPTION_NAMES = Object.keys(DEFAULT_ASSUMPTIONS) as AssumptionName[];

/** What each assumption means, printed next to its value. */
export const ASSUMPTION_LABELS: Readonly<Record<AssumptionName, string>> = {
  hoursPerMonth: 'hours the environment runs in a month (730 = always on)',
  spotShare: 'share of task-hours on Fargate Spot where the mode uses FARGATE_SPOT (0 to 1)',
  buildsPerMonth: 'builds of each service with a build section per month (one per deploy)',
  buildMinutes: 'minutes per build',
  logGbPerService: 'GB of logs each service writes to CloudWatch per month',
  natGbProcessed: 'GB the environment sends through the NAT gateways per month (all gateways together)',
  albLcus:
    'average capacity units (LCUs) per hour of the load balancer, a shared one for all its environments',
  sharedBy:
    "environments of the mode sharing the project's network: a shared load balancer's and NAT gateways' cost is divided by it",
};

/** Upper bounds where a larger value is meaningless. */
const ASSUMPTION_MAXIMUMS: Readonly<Partial<Record<AssumptionName, { max: number; why: string }>>> = {
  hoursPerMonth: { max: 744, why: 'the hours in a 31-day month' },
  spotShare: { max: 1, why: 'a share: 0 to 1' },
};

/** Assumptions that count something whole, at least one. */
const COUNTS: ReadonlySet<AssumptionName> = new Set(['sharedBy']);

/** A bad `--assume`, or a setting the price table has no price for. */
export class EstimateError extends InputError {
  override name = 'EstimateError';
}

/**
 * Parses `key=value` pairs (`--assume`) over the defaults. Each problem names
 * the assumption: unknown keys, values that are not numbers, negative values.
 */
export function parseAssumptions(
  assignments: readonly string[],
  base: Assumptions = DEFAULT_ASSUMPTIONS,
): Assumptions {
  const assumptions: Record<AssumptionName, number> = { ...base };
  const problems: Problem[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: '--assume', message: `${JSON.stringify(assignment)} is not key=value` });
      continue;
    }
    const key = assignment.slice(0, eq).trim();
    const raw = assignment.slice(eq + 1).trim();
    const path = `assumptions.${key}`;
    if (!isAssumptionName(key)) {
      problems.push({ path, message: `unknown assumption (known: ${ASSUMPTION_NAMES.join(', ')})` });
      continue;
    }
    const value = Number(raw);
    const bound = ASSUMPTION_MAXIMUMS[key];
    if (raw === '' || !Number.isFinite(value)) {
      problems.push({ path, message: `${JSON.stringify(raw)} is not a number` });
    } else if (value < 0) {
      problems.push({ path, message: `${raw} is negative (expected 0 or more)` });
    } else if (bound !== undefined && value > bound.max) {
      problems.push({ path, message: `${raw} is above ${bound.max}, ${bound.why}` });
    } else if (COUNTS.has(key) && !isCount(value)) {
      problems.push({ path, message: countProblem(raw) });
    } else {
      assumptions[key] = value;
    }
  }
  if (problems.length > 0) throw new EstimateError(problems);
  return assumptions;
}

/**
 * Parses `--shared-by N`: how many environments of the mode share the project's network, a whole
 * number of at least 1. The problem names the option.
 */
export function parseSharedBy(raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !isCount(value)) {
    throw new EstimateError([{ path: '--shared-by', message: countProblem(raw) }]);
  }
  return value;
}

const isCount = (value: number) => Number.isInteger(value) && value >= 1;

const countProblem = (raw: string) =>
  `${JSON.stringify(raw)} is not a number of environments (expected a whole number, 1 or more)`;

function isAssumptionName(key: string): key is AssumptionName {
  return Object.hasOwn(DEFAULT_ASSUMPTIONS, key);
}

/** One priced line: `quantity × unitPrice = monthly`, and how the quantity came about. */
export interface CostItem {
  /** What is priced, e.g. `service web`, `NAT gateway ×2`, `database db`. */
  readonly resource: string;
  readonly quantity: number;
  /** The unit the quantity counts, e.g. `task-hour`, `GB`, `build-minute`. */
  readonly unit: string;
  /** US$ per unit. */
  readonly unitPrice: number;
  /** US$ per month, rounded to cents. */
  readonly monthly: number;
  /** The arithmetic, with the figures it used. */
  readonly formula: string;
}

/** The estimate of one mode. */
export interface ModeEstimate {
  readonly mode: Mode;
  /** US$ per month: the sum of the items' rounded figures, so the table adds up. */
  readonly total: number;
  readonly items: readonly CostItem[];
  /**
   * US$ per month with every autoscaled service at its maximum all month (core/autoscaling.ts):
   * the top of the range scaling can take the bill to. Absent when no service scales.
   */
  readonly scaledTotal?: number;
}

/** What every item function reads. */
interface Inputs {
  readonly request: DeployRequest;
  readonly resolved: ResolvedPolicy;
  readonly plan: DeploymentPlan;
  readonly prices: PriceTable;
  readonly assumptions: Assumptions;
}

/**
 * Prices the plan of `request` in the resolved mode. Throws an EstimateError
 * naming the price when the table has none for a class or compute type the
 * policy uses (add it with `--prices`).
 */
export function estimateCost(
  request: DeployRequest,
  resolved: ResolvedPolicy,
  prices: PriceTable,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): ModeEstimate {
  const inputs: Inputs = { request, resolved, plan: planDeployment(request, resolved), prices, assumptions };
  const missing = missingPrices(inputs);
  if (missing.length > 0) throw new EstimateError(missing);
  const items = [
    ...serviceItems(inputs),
    ...natGatewayItems(inputs),
    ...loadBalancerItems(inputs),
    ...webAclItems(inputs),
    ...alarmItems(inputs),
    ...publicIpv4Items(inputs),
    ...databaseItems(inputs),
    ...cacheItems(inputs),
    ...buildItems(inputs),
    ...logItems(inputs),
    ...hostedZoneItems(inputs),
  ];
  const total = cents(items.reduce((sum, item) => sum + item.monthly, 0));
  const sum = (list: readonly CostItem[]) => list.reduce((all, item) => all + item.monthly, 0);
  const taskCount = (service: Service) => serviceScaling(service, resolved.policy)?.max ?? service.replicas;
  const scaledTotal = cents(total - sum(serviceItems(inputs)) + sum(serviceItems(inputs, taskCount)));
  return { mode: resolved.mode, total, items, ...(scaledTotal !== total ? { scaledTotal } : {}) };
}

/** Settings the plan uses that the price table has no figure for, each naming the price to add. */
function missingPrices({ request, resolved, plan, prices }: Inputs): Problem[] {
  const { dbInstanceClass, buildComputeType } = resolved.policy;
  const where = `the ${prices.region} table of ${prices.asOf}; add it with --prices FILE.json`;
  const problems: Problem[] = [];
  if (request.databases.length > 0 && prices.rds.instanceHour[dbInstanceClass] === undefined) {
    problems.push({
      path: `prices.rds.instanceHour[${JSON.stringify(dbInstanceClass)}]`,
      message: `no price for ${dbInstanceClass} (the ${resolved.mode} dbInstanceClass) in ${where}`,
    });
  }
  const { cacheNodeType } = resolved.policy;
  if (request.caches.length > 0 && prices.elastiCache.nodeHour[cacheNodeType] === undefined) {
    problems.push({
      path: `prices.elastiCache.nodeHour[${JSON.stringify(cacheNodeType)}]`,
      message: `no price for ${cacheNodeType} (the ${resolved.mode} cacheNodeType) in ${where}`,
    });
  }
  if (count(plan, 'AWS::CodeBuild::Project') > 0 && prices.codeBuild.minute[buildComputeType] === undefined) {
    problems.push({
      path: `prices.codeBuild.minute.${buildComputeType}`,
      message: `no price for ${buildComputeType} (the ${resolved.mode} buildComputeType) in ${where}`,
    });
  }
  return problems;
}

/** Rounds to cents; the detour through toPrecision keeps 22.265 (stored as 22.26499…) from rounding down. */
export function cents(value: number): number {
  return Math.round(Number((value * 100).toPrecision(12))) / 100;
}

function item(
  resource: string,
  quantity: number,
  unit: string,
  unitPrice: number,
  formula: string,
): CostItem {
  const q = tidy(quantity);
  const p = tidy(unitPrice);
  return { resource, quantity: q, unit, unitPrice: p, monthly: cents(q * p), formula };
}

/** Drops binary floating-point noise (0.024684999999999998 → 0.024685). */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/** A number as a person writes it: 0.5, 1460, 0.01334058. */
export function showNumber(value: number): string {
  return String(tidy(value));
}

/** US$ with at least two decimals: $0.50, $0.045, $0.01334058. */
export function showUsd(value: number): string {
  const text = showNumber(value);
  const decimals = text.split('.')[1]?.length ?? 0;
  return `$${decimals < 2 ? value.toFixed(2) : text}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${showNumber(n)} ${n === 1 ? one : many}`;

const count = (plan: DeploymentPlan, type: string) => plan.resources.filter((r) => r.type === type).length;

/** Fargate bills vCPU and memory per second while a task runs; priced per task-hour here. */
function serviceItems(
  { request, resolved, prices, assumptions }: Inputs,
  tasksOf: (service: Service) => number = (service) => service.replicas,
): CostItem[] {
  const spot = resolved.policy.capacityProvider === 'FARGATE_SPOT';
  const share = spot ? assumptions.spotShare : 0;
  // A run-once task runs for the minutes of a deploy, a scheduled job for the minutes of its
  // runs, which the compose file does not say: both are left out of the month.
  return request.services
    .filter((service) => service.replicas > 0 && isLongRunning(service))
    .map((service) => {
      const vcpu = service.cpu / 1024;
      const gb = service.memory / 1024;
      const taskHour = (rates: { vcpuHour: number; gbHour: number }) =>
        vcpu * rates.vcpuHour + gb * rates.gbHour;
      const shown = (rates: { vcpuHour: number; gbHour: number }) =>
        `${showNumber(vcpu)} vCPU × ${showUsd(rates.vcpuHour)} + ${showNumber(gb)} GB × ${showUsd(rates.gbHour)}`;
      const unitPrice =
        share * taskHour(prices.fargate.spot) + (1 - share) * taskHour(prices.fargate.onDemand);
      const rate =
        share === 1
          ? `(${shown(prices.fargate.spot)}) on Fargate Spot`
          : share === 0
            ? `(${shown(prices.fargate.onDemand)}) on Fargate on-demand`
            : `(${showNumber(share)} × Spot (${shown(prices.fargate.spot)}) + ${showNumber(1 - share)} × on-demand (${shown(prices.fargate.onDemand)}))`;
      const tasks = tasksOf(service);
      return item(
        `service ${service.name}`,
        assumptions.hoursPerMonth * tasks,
        'task-hour',
        unitPrice,
        `${showNumber(assumptions.hoursPerMonth)} h × ${plural(tasks, 'task')} × ${rate}`,
      );
    });
}

/** The plan's resources of a type, split into the environment's own and its shared network's. */
function byOwner(plan: DeploymentPlan, type: string): { own: number; shared: number } {
  const ofType = plan.resources.filter((r) => r.type === type);
  const shared = ofType.filter(isSharedNetworkPiece).length;
  return { own: ofType.length - shared, shared };
}

/** Whose a priced piece is: what its cost is divided by, and how its name and arithmetic end. */
interface Share {
  readonly divisor: number;
  readonly name: string;
  readonly formula: string;
}

const OWN: Share = { divisor: 1, name: '', formula: '' };

/** A shared network's piece: `(shared by 10)`, `… / 10 environments (sharedBy)`. */
const sharedBy = (assumptions: Assumptions): Share => ({
  divisor: assumptions.sharedBy,
  name: ` (shared by ${showNumber(assumptions.sharedBy)})`,
  formula: ` / ${plural(assumptions.sharedBy, 'environment')} (sharedBy)`,
});

/** NAT gateways bill by the hour (a shared network's divided among its environments) and per GB the environment sends. */
function natGatewayItems({ plan, prices, assumptions }: Inputs): CostItem[] {
  const { own, shared } = byOwner(plan, 'AWS::EC2::NatGateway');
  if (own + shared === 0) return [];
  const hours = assumptions.hoursPerMonth;
  const gatewayItem = (gateways: number, share: Share) =>
    item(
      `NAT gateway ×${gateways}${share.name}`,
      (hours * gateways) / share.divisor,
      'gateway-hour',
      prices.natGateway.hour,
      `${showNumber(hours)} h × ${plural(gateways, 'gateway')} × ${showUsd(prices.natGateway.hour)}${share.formula}`,
    );
  return [
    ...(own > 0 ? [gatewayItem(own, OWN)] : []),
    ...(shared > 0 ? [gatewayItem(shared, sharedBy(assumptions))] : []),
    item(
      'NAT data processed',
      assumptions.natGbProcessed,
      'GB',
      prices.natGateway.gbProcessed,
      `${showNumber(assumptions.natGbProcessed)} GB (natGbProcessed) × ${showUsd(prices.natGateway.gbProcessed)}`,
    ),
  ];
}

/** One ALB serves every public service; billed per hour plus capacity units, a shared one divided among its environments. */
function loadBalancerItems({ plan, prices, assumptions }: Inputs): CostItem[] {
  const { own, shared } = byOwner(plan, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  if (own + shared === 0) return [];
  const { hour, lcuHour } = prices.loadBalancer;
  const share = shared > 0 ? sharedBy(assumptions) : OWN;
  return [
    item(
      `load balancer${share.name}`,
      assumptions.hoursPerMonth / share.divisor,
      'hour',
      hour + assumptions.albLcus * lcuHour,
      `${showNumber(assumptions.hoursPerMonth)} h × (${showUsd(hour)} + ${showNumber(assumptions.albLcus)} LCU × ${showUsd(lcuHour)})${share.formula}`,
    ),
  ];
}

/** A web ACL and its rules (one per managed rule group) bill by the month; requests are not included. */
function webAclItems({ plan, prices }: Inputs): CostItem[] {
  if (count(plan, 'AWS::WAFv2::WebACL') === 0) return [];
  const { webAclMonth, ruleMonth } = prices.waf;
  const rules = MANAGED_RULE_GROUP_NAMES.length;
  return [
    item(
      'web ACL (WAF)',
      1,
      'ACL-month',
      webAclMonth + rules * ruleMonth,
      `${showUsd(webAclMonth)} + ${plural(rules, 'rule')} × ${showUsd(ruleMonth)}`,
    ),
  ];
}

/** The deployment alarms (two per public service, `deploymentAlarms`) bill by the month each. */
function alarmItems({ plan, prices }: Inputs): CostItem[] {
  const alarms = count(plan, 'AWS::CloudWatch::Alarm');
  if (alarms === 0) return [];
  const { alarmMonth } = prices.cloudwatch;
  return [
    item(
      'deployment alarms (CloudWatch)',
      alarms,
      'alarm-month',
      alarmMonth,
      `${plural(alarms, 'alarm')} × ${showUsd(alarmMonth)}`,
    ),
  ];
}

/**
 * AWS bills every public IPv4 address: each task's in modes without NAT
 * (tasks get public IPs), each NAT gateway's Elastic IP, and one per zone of
 * an internet-facing load balancer. This is often the surprise in development.
 * A shared network's addresses (its NAT gateways', its load balancer's) are
 * divided among its environments; the tasks' are the environment's own.
 */
function publicIpv4Items({ request, plan, prices, assumptions }: Inputs): CostItem[] {
  const publicTasks = plan.resources.some((r) => r.type === 'AWS::ECS::Service' && r.settings.assignPublicIp)
    ? runningTasks(request.services)
    : 0;
  const nats = byOwner(plan, 'AWS::EC2::NatGateway');
  const balancers = byOwner(plan, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  // One address per zone the load balancer spans: its two public subnets, or each public subnet of a team's VPC.
  const zones =
    request.vpc?.publicSubnets.length ??
    plan.resources.filter((r) => r.type === 'AWS::EC2::Subnet' && r.settings.mapPublicIpOnLaunch).length;
  const hours = assumptions.hoursPerMonth;
  const addressItem = (parts: ReadonlyArray<readonly [number, string]>, share: Share): CostItem[] => {
    const counted = parts.filter(([n]) => n > 0);
    const addresses = counted.reduce((sum, [n]) => sum + n, 0);
    if (addresses === 0) return [];
    return [
      item(
        `public IPv4 ×${addresses}${share.name}`,
        (hours * addresses) / share.divisor,
        'address-hour',
        prices.publicIpv4.hour,
        `${showNumber(hours)} h × (${counted.map(([, what]) => what).join(' + ')}) × ${showUsd(prices.publicIpv4.hour)}${share.formula}`,
      ),
    ];
  };
  const parts = (natIps: number, balancerIps: number): Array<readonly [number, string]> => [
    [natIps, plural(natIps, 'NAT gateway')],
    [balancerIps, `${balancerIps} load balancer zones`],
  ];
  return [
    ...addressItem(
      [[publicTasks, plural(publicTasks, 'task')], ...parts(nats.own, balancers.own > 0 ? zones : 0)],
      OWN,
    ),
    ...addressItem(parts(nats.shared, balancers.shared > 0 ? zones : 0), sharedBy(assumptions)),
  ];
}

function runningTasks(services: readonly Service[]): number {
  return services.reduce((sum, service) => sum + (isLongRunning(service) ? service.replicas : 0), 0);
}

/**
 * Instances on gp3 storage, as ensure-database creates them. A Multi-AZ instance (dbMultiAz) runs a
 * standby in a second zone, which RDS bills as a second instance with its own storage: twice the
 * single-AZ price of both.
 */
function databaseItems({ request, resolved, prices, assumptions }: Inputs): CostItem[] {
  const { dbInstanceClass: instanceClass, dbMultiAz } = resolved.policy;
  const copies = dbMultiAz ? 2 : 1;
  const layout = dbMultiAz ? 'Multi-AZ (2 ×' : 'single-AZ';
  return request.databases.flatMap((database) => {
    const hourly = prices.rds.instanceHour[instanceClass] ?? 0; // checked by missingPrices
    const storage = prices.rds.storageGbMonth.gp3;
    return [
      item(
        `database ${database.name}`,
        assumptions.hoursPerMonth * copies,
        'instance-hour',
        hourly,
        dbMultiAz
          ? `${showNumber(assumptions.hoursPerMonth)} h × ${instanceClass} ${layout} ${showUsd(hourly)})`
          : `${showNumber(assumptions.hoursPerMonth)} h × ${instanceClass} ${layout} ${showUsd(hourly)}`,
      ),
      item(
        `database ${database.name} storage`,
        database.storageGiB * copies,
        'GB-month',
        storage,
        dbMultiAz
          ? `${database.storageGiB} GB gp3 allocated × 2 (the standby's) × ${showUsd(storage)}`
          : `${database.storageGiB} GB gp3 allocated × ${showUsd(storage)}`,
      ),
    ];
  });
}

/** A replication group bills every node by the hour: its primary and each replica (cacheReplicas). */
function cacheItems({ request, resolved, prices, assumptions }: Inputs): CostItem[] {
  const { cacheNodeType, cacheReplicas } = resolved.policy;
  const nodes = 1 + cacheReplicas;
  const hourly = prices.elastiCache.nodeHour[cacheNodeType] ?? 0; // checked by missingPrices
  return request.caches.map((cache) =>
    item(
      `cache ${cache.name}`,
      assumptions.hoursPerMonth * nodes,
      'node-hour',
      hourly,
      `${showNumber(assumptions.hoursPerMonth)} h × ${plural(nodes, 'node')} (${cacheReplicas === 0 ? 'a primary, no replica' : `a primary and ${plural(cacheReplicas, 'replica')}`}) × ${cacheNodeType} ${showUsd(hourly)}`,
    ),
  );
}

/** CodeBuild bills build minutes at the mode's compute type; nothing between builds. */
function buildItems({ resolved, plan, prices, assumptions }: Inputs): CostItem[] {
  const projects = count(plan, 'AWS::CodeBuild::Project');
  if (projects === 0) return [];
  const computeType = resolved.policy.buildComputeType;
  const perMinute = prices.codeBuild.minute[computeType] ?? 0; // checked by missingPrices
  const { buildsPerMonth, buildMinutes } = assumptions;
  return [
    item(
      'builds',
      projects * buildsPerMonth * buildMinutes,
      'build-minute',
      perMinute,
      `${plural(projects, 'service')} × ${plural(buildsPerMonth, 'build')} × ${showNumber(buildMinutes)} min × ${showUsd(perMinute)} (${computeType})`,
    ),
  ];
}

/**
 * Ingestion is paid once; storage is paid for what the retention keeps: in the
 * steady state, a month's logs × retention days / 30.
 */
function logItems({ resolved, plan, prices, assumptions }: Inputs): CostItem[] {
  const groups = count(plan, 'AWS::Logs::LogGroup');
  if (groups === 0) return [];
  const ingested = groups * assumptions.logGbPerService;
  const days = resolved.policy.logRetentionDays;
  return [
    item(
      'logs ingested',
      ingested,
      'GB',
      prices.logs.ingestionGb,
      `${plural(groups, 'service')} × ${showNumber(assumptions.logGbPerService)} GB × ${showUsd(prices.logs.ingestionGb)}`,
    ),
    item(
      `logs stored (${days}-day retention)`,
      (ingested * days) / 30,
      'GB-month',
      prices.logs.storageGbMonth,
      `${showNumber(ingested)} GB/month × ${plural(days, 'day')} / 30 × ${showUsd(prices.logs.storageGbMonth)}`,
    ),
  ];
}

/** Public zones the environment owns, plus the private zone behind its service-discovery namespace. */
function hostedZoneItems({ plan, prices }: Inputs): CostItem[] {
  const publicZones = count(plan, 'AWS::Route53::HostedZone');
  const privateZones = count(plan, 'AWS::ServiceDiscovery::PrivateDnsNamespace');
  const zones = publicZones + privateZones;
  if (zones === 0) return [];
  return [
    item(
      `hosted zones ×${zones}`,
      zones,
      'zone-month',
      prices.route53.hostedZoneMonth,
      `(${publicZones} public + ${privateZones} private) × ${showUsd(prices.route53.hostedZoneMonth)}`,
    ),
  ];
}

/** What no estimate includes, printed with it so nobody takes it for a bill. */
export const NOT_INCLUDED = [
  'data transfer out to the internet and between zones',
  'ECR image storage, S3 (build contexts, access logs), database backups beyond the free allowance',
  'Route 53 queries, Step Functions transitions, Lambda, DynamoDB, Parameter Store, WAF requests, SNS notifications',
  'extra tasks during rolling deploys, free tiers, Savings Plans and reserved capacity',
] as const;
