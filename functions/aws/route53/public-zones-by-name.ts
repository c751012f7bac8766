/**
 * The public hosted zones of the account that carry one exact name. Route 53
 * allows several zones of the same name; ListHostedZonesByName lists zones in
 * name order starting at the name asked for, so the matches come first.
 */
import { ListHostedZonesByNameCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { absoluteDnsName, bareHostedZoneId, sameDnsName } from './dns-name.ts';

/** A hosted zone found in the account. */
export interface FoundZone {
  /** Without the `/hostedzone/` prefix. */
  readonly id: string;
  /** Absolute, as Route 53 lists it: `shop.example.com.`. */
  readonly name: string;
  /** The reference the zone was created with: modeshift's own start with `modeshift-` (environment-zones.ts). */
  readonly callerReference?: string;
}

/** Every public (not private) hosted zone named exactly `name`, in Route 53's order. */
export async function findPublicZonesByName(route53: Route53Client, name: string): Promise<FoundZone[]> {
  const wanted = absoluteDnsName(name);
  const found: FoundZone[] = [];
  let page: { DNSName: string; HostedZoneId?: string } = { DNSName: wanted };
  for (;;) {
    const response = await route53.send(new ListHostedZonesByNameCommand({ ...page, MaxItems: 100 }));
    const zones = response.HostedZones ?? [];
    for (const zone of zones) {
      if (zone.Id === undefined || zone.Name === undefined || !sameDnsName(zone.Name, wanted)) continue;
      if (zone.Config?.PrivateZone === true) continue;
      found.push({
        id: bareHostedZoneId(zone.Id),
        name: absoluteDnsName(zone.Name),
        ...(zone.CallerReference !== undefined ? { callerReference: zone.CallerReference } : {}),
      });
    }
    const passedTheName = zones.some((zone) => zone.Name !== undefined && !sameDnsName(zone.Name, wanted));
    if (
      passedTheName ||
      response.IsTruncated !== true ||
      response.NextDNSName === undefined ||
      !sameDnsName(response.NextDNSName, wanted)
    ) {
      return found;
    }
    page = {
      DNSName: response.NextDNSName,
      ...(response.NextHostedZoneId !== undefined ? { HostedZoneId: response.NextHostedZoneId } : {}),
    };
  }
}
