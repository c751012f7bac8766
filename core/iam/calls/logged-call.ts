/**
 * One AWS call as the call log (engine/call-log.ts) writes it: who makes it
 * on AWS, what it asked, and what its response said about resources.
 */
import type { Principal } from '../../principal.ts';

/** Tags as a map, from `[{Key, Value}]`, `[{key, value}]` or `{ key: value }`. */
export type TagMap = Record<string, string>;

export interface LoggedCall {
  /** Where it went: each local AWS is an account of its own. */
  readonly endpoint: string;
  /** When it was sent (ms since the epoch), then its place in its process's log: calls are replayed in this order. */
  readonly at: number;
  readonly seq: number;
  /** Who makes it on AWS; `operator` for the CLI's and a test's own calls, which no modeshift role makes. */
  readonly principal: Principal | 'operator';
  /** The Step Functions service id of the client (`ec2`, `cloudwatchlogs`), or `tagging`, `lambda`. */
  readonly service: string;
  /** The API operation (`CreateCluster`). */
  readonly operation: string;
  /** The request, without its binary payloads. */
  readonly input: unknown;
  /** ARNs and EC2 ids named in the response of a call that creates something. */
  readonly created?: readonly string[];
  /** Resources the response lists with their tags (`@input` for the resource the request named). */
  readonly tagged?: ReadonlyArray<readonly [string, TagMap]>;
  /** The error name, when the call failed (AWS authorises a call before it can fail). */
  readonly error?: string;
  /** Logged by the engine for what AWS does on the principal's behalf, not sent through an SDK client. */
  readonly synthetic?: true;
  /** A create's id, the same on the line written before it is sent (`pending`) and the one after. */
  readonly id?: string;
  /** Written before the create was sent; the line with the same id follows unless the process was killed. */
  readonly pending?: true;
}

/** The prefixes of the EC2 ids modeshift's resources have (EC2 returns ids where other services return ARNs), and their resource types. */
export const EC2_ID_TYPES: Readonly<Record<string, string>> = {
  vpc: 'vpc',
  subnet: 'subnet',
  sg: 'security-group',
  igw: 'internet-gateway',
  rtb: 'route-table',
  nat: 'natgateway',
  eipalloc: 'elastic-ip',
  vpce: 'vpc-endpoint',
  eni: 'network-interface',
  acl: 'network-acl',
  dopt: 'dhcp-options',
};

/** An EC2 id of one of those types. */
export const EC2_ID = new RegExp(`^(${Object.keys(EC2_ID_TYPES).join('|')})-[0-9a-f]+$`);

/** An ARN, of any partition and service. */
export const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:/;

/** Tags from a list of `{Key, Value}` or `{key, value}` (ECS, CodeBuild), or undefined when it is no such list. */
export function tagListOf(value: unknown): TagMap | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags: TagMap = {};
  for (const tag of value) {
    if (typeof tag !== 'object' || tag === null) return undefined;
    const { Key, Value, key, value: lower } = tag as Record<string, unknown>;
    const name = Key ?? key;
    if (typeof name !== 'string') return undefined;
    const text = Value ?? lower;
    tags[name] = typeof text === 'string' ? text : '';
  }
  return tags;
}
