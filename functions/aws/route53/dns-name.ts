/**
 * DNS names as Route 53 compares them: absolute (`shop.example.com.`),
 * case-insensitive, and hosted zone ids without their `/hostedzone/` prefix.
 */

/** `name` in the absolute, lower-case form Route 53 lists names in: `shop.example.com.`. */
export function absoluteDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** `name` without its trailing dot, as ACM and people write it: `shop.example.com`. */
export function relativeDnsName(name: string): string {
  return absoluteDnsName(name).slice(0, -1);
}

/** true when `a` and `b` name the same node (trailing dot and case aside). */
export function sameDnsName(a: string, b: string): boolean {
  return absoluteDnsName(a) === absoluteDnsName(b);
}

/** true when `name` is `zoneName` itself or a name below it. */
export function isWithinZone(name: string, zoneName: string): boolean {
  const node = absoluteDnsName(name);
  const zone = absoluteDnsName(zoneName);
  return node === zone || node.endsWith(`.${zone}`);
}

/** The names above `name`, nearest first: `a.b.c.` → [`b.c.`, `c.`]. */
export function ancestorDnsNames(name: string): string[] {
  const labels = relativeDnsName(name).split('.');
  return labels.slice(1).map((_, index) => `${labels.slice(index + 1).join('.')}.`);
}

/** A hosted zone id as the tagging APIs take it: `Z123`, not `/hostedzone/Z123`. */
export function bareHostedZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}
