/**
 * The records modeshift writes into an environment's public zones for its
 * services (functions/steps/write-dns-records.ts): an alias A/AAAA record to
 * the load balancer for a hostname that is a zone's apex, a CNAME to it for a
 * service subdomain; and the ACM validation CNAMEs of its certificate.
 */
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { sameDnsName } from './dns-name.ts';

/** A load balancer's DNS name: `name-123.eu-west-1.elb.amazonaws.com`, `dualstack.…` included. */
const LOAD_BALANCER_NAME = /\.elb\.amazonaws\.com\.?$/i;
/** The value of an ACM DNS-validation record. */
const ACM_VALIDATION_VALUE = /\.acm-validations\.aws\.?$/i;

function cnameValue(record: ResourceRecordSet): string | undefined {
  return record.Type === 'CNAME' ? record.ResourceRecords?.[0]?.Value : undefined;
}

/** Where a service record points: the alias target of an A/AAAA record, or a CNAME's value. */
function serviceRecordTarget(record: ResourceRecordSet): string | undefined {
  if (record.Type === 'A' || record.Type === 'AAAA') return record.AliasTarget?.DNSName;
  return cnameValue(record);
}

/** true for the records modeshift writes into a public zone: service records to a load balancer, ACM validations. */
export function isModeshiftRecord(record: ResourceRecordSet): boolean {
  const target = serviceRecordTarget(record);
  if (target === undefined) return false;
  if (LOAD_BALANCER_NAME.test(target)) return true;
  return record.Type === 'CNAME' && (record.Name ?? '').startsWith('_') && ACM_VALIDATION_VALUE.test(target);
}

/**
 * true for a service record that points at this load balancer (its DNS name,
 * with or without the `dualstack.` Route 53 adds to alias targets).
 */
export function pointsAtLoadBalancer(record: ResourceRecordSet, loadBalancerDnsName: string): boolean {
  const target = serviceRecordTarget(record);
  if (target === undefined) return false;
  return sameDnsName(target.replace(/^dualstack\./i, ''), loadBalancerDnsName.replace(/^dualstack\./i, ''));
}
