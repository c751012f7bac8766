/**
 * The address range of a VPC modeshift creates, and its four subnets.
 *
 * A request may name the range (`vpcCidr`, a private block of /16 to /24);
 * without one, each new VPC gets a /16 of 10.0.0.0/8 that no other VPC in
 * the account uses, starting from a block picked by the environment's name so
 * that two environments created at once rarely try the same one. Distinct
 * ranges are what lets a team peer a VPC or attach it to a transit gateway.
 *
 * The subnets split the range into sixteen: the first two are the public
 * subnets (zones a and b), the ninth and tenth the private ones, which leaves
 * room in each half to add more. For 10.0.0.0/16 that is 10.0.0.0/20,
 * 10.0.16.0/20, 10.0.128.0/20 and 10.0.144.0/20, the layout every VPC had
 * before ranges could be chosen.
 *
 * Parsing and range classes come from ipaddr.js; the arithmetic on blocks
 * (overlap, splitting) is a few lines of integer masks it does not offer.
 */
import ipaddr from 'ipaddr.js';

/** What a VPC's four subnets are called (their `modeshift:subnet` tag). */
export type SubnetRole = 'public-a' | 'public-b' | 'private-a' | 'private-b';

/** An IPv4 block: its network address as an unsigned 32-bit integer, and its prefix length. */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** The largest and smallest VPC a request may name (AWS allows /16 to /28; /24 leaves /28 subnets). */
export const VPC_PREFIX_RANGE = { largest: 16, smallest: 24 } as const;

/** Where ranges are picked from when the request names none, and their size. */
export const AUTOMATIC_POOL = '10.0.0.0/8';
const AUTOMATIC_PREFIX = 16;

/** The address classes a VPC's range may come from: RFC 1918 and the shared address space. */
const PRIVATE_RANGES = 'private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10)';

const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

const toInt = (address: ipaddr.IPv4): number =>
  address.toByteArray().reduce((value, byte) => ((value << 8) | byte) >>> 0, 0);

const toAddress = (value: number): string =>
  [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');

export function formatCidr(cidr: Cidr): string {
  return `${toAddress(cidr.network)}/${cidr.prefix}`;
}

/** Any IPv4 block (`a.b.c.d/n`, host bits zero); throws an Error saying what is wrong. */
export function parseCidr(text: string): Cidr {
  let parsed: [ipaddr.IPv4, number];
  try {
    parsed = ipaddr.IPv4.parseCIDR(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not an IPv4 CIDR block (e.g. 10.20.0.0/16)`);
  }
  const [address, prefix] = parsed;
  const network = (toInt(address) & mask(prefix)) >>> 0;
  if (network !== toInt(address)) {
    throw new Error(
      `${JSON.stringify(text)} has host bits set: the block is ${formatCidr({ network, prefix })}`,
    );
  }
  return { network, prefix };
}

/** Why `text` cannot be a VPC's range; undefined when it can. */
export function vpcCidrProblem(text: string): string | undefined {
  let cidr: Cidr;
  try {
    cidr = parseCidr(text);
  } catch (error) {
    return (error as Error).message;
  }
  const { largest, smallest } = VPC_PREFIX_RANGE;
  if (cidr.prefix < largest || cidr.prefix > smallest) {
    return `${JSON.stringify(text)} is a /${cidr.prefix}: a VPC's range is /${largest} to /${smallest}`;
  }
  const range = ipaddr.IPv4.parse(toAddress(cidr.network)).range();
  const last = ipaddr.IPv4.parse(toAddress((cidr.network + 2 ** (32 - cidr.prefix) - 1) >>> 0)).range();
  const isPrivate = (name: string) => name === 'private' || name === 'carrierGradeNat';
  if (!isPrivate(range) || !isPrivate(last)) {
    return `${JSON.stringify(text)} is not a ${PRIVATE_RANGES} range`;
  }
  return undefined;
}

/** Whether two blocks share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const shorter = mask(Math.min(a.prefix, b.prefix));
  return (a.network & shorter) >>> 0 === (b.network & shorter) >>> 0;
}

/** The VPC's four subnets: sixteenths 0 and 1 public, 8 and 9 private. */
export function subnetCidrs(vpc: Cidr): Readonly<Record<SubnetRole, string>> {
  const prefix = vpc.prefix + 4;
  const size = 2 ** (32 - prefix);
  const at = (index: number) => formatCidr({ network: (vpc.network + index * size) >>> 0, prefix });
  return { 'public-a': at(0), 'public-b': at(1), 'private-a': at(8), 'private-b': at(9) };
}

/** A stable number from a string (FNV-1a), to start the search for a free block somewhere of its own. */
function spread(seed: string): number {
  let hash = 0x811c9dc5;
  for (const char of seed) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The first /16 of 10.0.0.0/8 that overlaps none of `taken`, searched from a
 * block `seed` picks and wrapping around; undefined when all 256 are taken.
 */
export function freeBlock(seed: string, taken: readonly Cidr[]): Cidr | undefined {
  const pool = parseCidr(AUTOMATIC_POOL);
  const count = 2 ** (AUTOMATIC_PREFIX - pool.prefix);
  const size = 2 ** (32 - AUTOMATIC_PREFIX);
  const start = spread(seed) % count;
  for (let step = 0; step < count; step += 1) {
    const block = {
      network: (pool.network + ((start + step) % count) * size) >>> 0,
      prefix: AUTOMATIC_PREFIX,
    };
    if (!taken.some((other) => cidrsOverlap(block, other))) return block;
  }
  return undefined;
}
