/**
 * Where a deployed app answers: one URL per public service. A service with a
 * hostname answers on HTTPS there (the environment's certificate covers it;
 * HTTP redirects); without a domain the one public service answers on the
 * load balancer's own name, over HTTP (the request schema allows at most one
 * public service without a hostname).
 */

/** A public service as the deploy workflow records it (core/execution-input.ts `publicServices`). */
export interface PublicService {
  readonly service: string;
  readonly hostname?: string;
}

export interface AppUrl {
  readonly service: string;
  readonly url: string;
}

export function appUrls(
  publicServices: readonly PublicService[] | undefined,
  loadBalancerDnsName: string | undefined,
): AppUrl[] {
  return (publicServices ?? []).flatMap((entry) => {
    if (entry.hostname !== undefined) return [{ service: entry.service, url: `https://${entry.hostname}/` }];
    if (loadBalancerDnsName !== undefined)
      return [{ service: entry.service, url: `http://${loadBalancerDnsName}/` }];
    return [];
  });
}
