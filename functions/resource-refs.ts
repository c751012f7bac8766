/**
 * What one workflow step hands to the next: references to the resources it
 * found or created. The workflow carries them in its state (see
 * state-machines/deploy.asl.json), so every field is plain JSON.
 */
import type { BuildSpec, Tag } from '../core/execution-input.ts';
import type { EnvironmentNames } from '../core/names.ts';
import type { SharedNetworkSpec } from '../core/shared-network.ts';

export type { BuildSpec, Tag } from '../core/execution-input.ts';
export type { EnvironmentNames } from '../core/names.ts';

/**
 * What a step that works on the whole environment is given (most of down's
 * steps): which environment, the names of its resources, and its tags.
 */
export interface EnvironmentStepInput {
  readonly project: string;
  readonly environment: string;
  readonly names: EnvironmentNames;
  /** The project and environment tags every resource of the environment carries: how a step knows its own. */
  readonly environmentTags: readonly Tag[];
}

/** A step that waits on AWS says whether it is done; its state's Retry decides when to look again. */
export interface Progress {
  /** true once the resource is in its final state; the workflow calls the step again while false. */
  readonly ready: boolean;
}

/** Progress of a teardown step: `done` once everything it deletes is gone. */
export interface TeardownProgress {
  readonly done: boolean;
}

/** The environment's network (functions/steps/ensure-network.ts). */
export interface NetworkRef {
  readonly vpcId: string;
  /** In availability-zone order: [zone a, zone b]; in a team's own VPC (`vpc`), its subnets as the request lists them. */
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly availabilityZones: readonly [string, string];
  /** Absent in a team's own VPC: modeshift creates no gateway and no route there. */
  readonly internetGatewayId?: string;
  readonly publicRouteTableId?: string;
  /** One private route table per zone: [zone a, zone b]; none in a team's own VPC. */
  readonly privateRouteTableIds: readonly string[];
  /**
   * Whether services find each other through ECS Service Connect: in a VPC whose DHCP options are
   * not the environment's to set (a team's own), the short names have no DNS search domain.
   * @default false: the VPC's DNS search domain is the environment's private zone
   */
  readonly serviceConnect?: boolean;
  /**
   * The project's shared network of the mode the environment runs in (`network: shared`), with the
   * table holding its lease: the later steps put the NAT gateways and the load balancer there.
   * @default null: a network of the environment's own (or a team's)
   */
  readonly shared?: SharedNetworkRef | null;
  readonly securityGroups: {
    /** Load balancer: 80 and 443 from anywhere. */
    readonly loadBalancer: string;
    /** Services: from the load balancer and from each other. */
    readonly services: string;
    /** Databases: 5432 from the services. */
    readonly database: string;
    /** Caches, when the environment has any: 6379 from the services. */
    readonly cache?: string;
  };
}

/** A shared network, as EnsureNetwork hands it on. */
export interface SharedNetworkRef extends SharedNetworkSpec {
  /** The environments table, which holds the shared network's lease. */
  readonly lockTable: string;
}

/** NAT gateways, as functions/steps/ensure-nat-gateways.ts leaves them. */
export interface NatRef extends Progress {
  readonly count: number;
  readonly natGatewayIds: readonly string[];
}

/** The private DNS namespace services and databases are found in (functions/steps/ensure-private-namespace.ts). */
export interface NamespaceRef extends Progress {
  readonly id: string;
  readonly name: string;
  readonly hostedZoneId: string;
}

/** The load balancer and its target groups (functions/steps/ensure-load-balancer.ts); `{}` when the environment has no public service. */
export interface LoadBalancerRef {
  readonly arn: string;
  readonly dnsName: string;
  readonly canonicalHostedZoneId: string;
  /** Empty for the shared load balancer, which keeps no access logs. */
  readonly accessLogBucket: string;
  /** Whether it is the project's shared load balancer of the mode (`network: shared`) rather than the environment's own. */
  readonly shared: boolean;
  readonly targetGroups: ReadonlyArray<{
    readonly service: string;
    readonly arn: string;
    readonly port: number;
  }>;
}

/** A public hosted zone of the environment (functions/steps/ensure-public-zones.ts). */
export interface ZoneRef {
  readonly name: string;
  readonly domain: string;
  readonly id: string;
  /**
   * Present when modeshift did not create the zone and the request adopts it (`adoptZones`): only
   * records marked as the environment's are written there (functions/aws/route53/record-ownership.ts),
   * never over another's, and the apex only when `apex`.
   */
  readonly adopted?: { readonly apex: boolean };
}

/** The environment's certificate (functions/steps/ensure-certificate.ts). */
export interface CertificateRef extends Progress {
  readonly arn: string;
  /** ACM's status: PENDING_VALIDATION, ISSUED, FAILED, … */
  readonly status: string;
}

/** A managed database once available (EnsureDatabase → DatabaseReady). */
/** A managed cache once it is available: where its primary answers. */
export interface CacheEndpoint {
  readonly name: string;
  readonly replicationGroup: string;
  /** The primary endpoint's address. */
  readonly endpoint: string;
  readonly port: number;
}

export interface DatabaseEndpoint {
  readonly name: string;
  readonly instance: string;
  /** The database and user a service connects as (PGDATABASE, PGUSER). */
  readonly databaseName: string;
  readonly username: string;
  readonly endpoint: string;
  /** ARN of the RDS-managed secret holding the master user's password (ManageMasterUserPassword). */
  readonly secretArn?: string;
}

/** A service's image, built (RunBuilds → BuiltImage). */
export interface BuiltImage {
  readonly service: string;
  readonly image: string;
}

/** A build with the names of its CodeBuild project and ECR repository (core/names.ts serviceNames). */
export interface NamedBuild extends BuildSpec {
  readonly project: string;
  readonly repository: string;
}
