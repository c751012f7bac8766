/** The benchmark's readable report and its JSON summary. */

import { DEFAULT_QUOTAS } from '../core/quotas.ts';
import { MAX_HISTORY_EVENTS, MAX_STATE_BYTES } from './limits.ts';
import { type BenchResults, type BenchSummary, summarize } from './suite.ts';
import { table } from './table.ts';

const usd = (value: number) => `$${value.toFixed(value < 0.01 ? 5 : 4)}`;
const ratio = (value: number) => value.toFixed(3);
const kib = (bytes: number) => (Number.isNaN(bytes) ? '—' : `${(bytes / 1024).toFixed(1)} KiB`);
const mark = (met: boolean) => (met ? 'met' : 'NOT met');

export function jsonSummary(results: BenchResults): BenchSummary & Record<string, unknown> {
  return {
    ...summarize(results),
    model: results.model,
    runs: results.runs.map((run) => ({
      services: run.services,
      mode: run.mode,
      workflow: run.workflow,
      status: run.status,
      seconds: Number(run.seconds.toFixed(1)),
      lowerBoundSeconds: Number(run.lowerBound.seconds.toFixed(1)),
      criticalPathRatio: Number(run.criticalPathRatio.toFixed(4)),
      criticalPath: run.lowerBound.path,
      transitions: run.transitions,
      historyEvents: run.historyEvents,
      lambdaInvocations: run.lambdaInvocations,
      lambdaGbSeconds: Number(run.lambdaGbSeconds.toFixed(2)),
      costUsd: Number(run.cost.total.toFixed(6)),
      codeBuildOrchestratorUsd: run.cost.codeBuild,
      costRatio: Number(run.cost.ratio.toFixed(4)),
    })),
    redeploys: results.redeploys.map((measure) => ({
      mode: measure.mode,
      services: measure.services,
      ...Object.fromEntries(
        (['first', 'noop', 'oneChange'] as const).map((kind) => [
          kind,
          {
            seconds: Number(measure[kind].seconds.toFixed(1)),
            transitions: measure[kind].transitions,
            builds: measure[kind].builds,
            revisions: measure[kind].revisions,
            rollouts: measure[kind].rollouts,
            apiCalls: measure[kind].apiCalls,
          },
        ]),
      ),
      changedService: measure.oneChange.service,
      oneChangeLowerBoundSeconds: Number(measure.oneChange.lowerBound.seconds.toFixed(1)),
      oneChangeCriticalPath: measure.oneChange.lowerBound.path,
      oneServiceChangeRatio: Number(measure.oneChange.ratio.toFixed(4)),
    })),
    limits: results.limits,
    quotas: results.quotas,
    coldStart: results.coldStart,
    engineSeconds: results.engineSeconds,
  };
}

/** How many environments fit a Region at the default quotas, and what each takes of them. */
export function quotaSection(results: Pick<BenchResults, 'quotas'>): string {
  const { vpcs, internetGateways, elasticIps, loadBalancers, namespaces, listenerCertificates } =
    DEFAULT_QUOTAS;
  return `Environments per Region at AWS's default quotas (${vpcs} VPCs, ${internetGateways} internet gateways, ${elasticIps} Elastic IPs, ${loadBalancers} load balancers, ${namespaces} Cloud Map namespaces, ${listenerCertificates} certificates on a load balancer's listener; the default VPC takes a VPC and a gateway; a shared network's pieces count once for all its environments)\n${table(
    ['mode', 'network', 'VPCs', 'gateways', 'Elastic IPs', 'load balancers', 'environments', 'bound by'],
    results.quotas.map((entry) => [
      entry.mode,
      entry.network,
      String(entry.use.vpcs),
      String(entry.use.internetGateways),
      String(entry.use.elasticIps),
      String(entry.use.loadBalancers),
      String(entry.fit.environments),
      entry.fit.boundBy,
    ]),
  )}`;
}

export function textReport(results: BenchResults, files: readonly string[]): string {
  const summary = summarize(results);
  const { model } = results;
  const sections: string[] = [];
  sections.push(
    [
      'modeshift benchmark',
      `  scale ${model.scale} (1 modeled second = ${(model.scale * 1000).toFixed(0)} ms); API call ${model.callSeconds} s; Lambda invoke ${model.invokeSeconds} s; ready times ±${model.jitter * 100} % (seed ${model.seed})`,
      `  ready seconds: ${Object.entries(model.readySeconds)
        .map(([operation, seconds]) => `${operation} ${seconds}`)
        .join(', ')}`,
    ].join('\n'),
  );
  sections.push(
    `Runs (deploy and down of each synthetic project on a fresh account; time is modeled, cost at list prices)\n${table(
      [
        'services',
        'mode',
        'workflow',
        'time',
        'lower bound',
        'ratio',
        'transitions',
        'history',
        'Lambda',
        'GB-s',
        'modeshift',
        'CodeBuild',
        'cost ratio',
      ],
      results.runs.map((run) => [
        String(run.services),
        run.mode,
        run.workflow,
        `${(run.seconds / 60).toFixed(1)} min`,
        `${(run.lowerBound.seconds / 60).toFixed(1)} min`,
        ratio(run.criticalPathRatio),
        String(run.transitions),
        String(run.historyEvents),
        String(run.lambdaInvocations),
        run.lambdaGbSeconds.toFixed(1),
        usd(run.cost.total),
        usd(run.cost.codeBuild),
        `1/${(1 / run.cost.ratio).toFixed(0)}`,
      ]),
    )}`,
  );
  const longest = results.runs.reduce((worst, run) =>
    run.criticalPathRatio > worst.criticalPathRatio ? run : worst,
  );
  sections.push(
    `Worst critical-path ratio: ${longest.services} services, ${longest.mode} ${longest.workflow}; its lower bound: ${longest.lowerBound.path.join(' → ')}`,
  );
  sections.push(
    `Redeploys (${results.redeploys[0]?.services ?? 0} services on one account: the first deploy, the same request again, then ${results.redeploys[0]?.oneChange.service ?? ''}'s sources changed; lower bound: that service's build and rollout)\n${table(
      [
        'mode',
        'run',
        'time',
        'transitions',
        'builds',
        'revisions',
        'ECS deployments',
        'lower bound',
        'ratio',
      ],
      results.redeploys.flatMap((measure) =>
        (
          [
            ['first deploy', measure.first],
            ['no-op redeploy', measure.noop],
            ['one service changed', measure.oneChange],
          ] as const
        ).map(([label, run]) => [
          measure.mode,
          label,
          run.seconds < 120 ? `${run.seconds.toFixed(1)} s` : `${(run.seconds / 60).toFixed(1)} min`,
          String(run.transitions),
          String(run.builds),
          String(run.revisions),
          String(run.rollouts),
          run === measure.oneChange ? `${measure.oneChange.lowerBound.seconds.toFixed(0)} s` : '',
          run === measure.oneChange ? ratio(measure.oneChange.ratio) : '',
        ]),
      ),
    )}`,
  );
  sections.push(
    `Limits (production; ${kib(MAX_STATE_BYTES)} per state, ${MAX_HISTORY_EVENTS.toLocaleString('en-US')} history events)\n${table(
      ['services', 'execution input', 'largest state', 'deploy history', 'down history', 'fits'],
      results.limits.map((entry) => [
        String(entry.services),
        kib(entry.inputBytes),
        kib(entry.maxStateBytes),
        Number.isNaN(entry.deployHistoryEvents) ? '—' : String(entry.deployHistoryEvents),
        Number.isNaN(entry.downHistoryEvents) ? '—' : String(entry.downHistoryEvents),
        entry.fits ? 'yes' : `no: ${entry.reason}`,
      ]),
    )}\nLargest project that fits: ${results.largest.services} services (${results.largest.firstTooLarge.services} do not: ${results.largest.firstTooLarge.reason})`,
  );
  sections.push(quotaSection(results));
  const { coldStart } = results;
  sections.push(
    `Handler cold start (esbuild as SST bundles it, with stacks/lambda-bundle-plugins.mjs, AWS SDK included; median of ${coldStart.rounds} fresh processes; empty handler ${coldStart.empty.bytes} bytes, init ${coldStart.empty.initMs.toFixed(1)} ms)\n${table(
      ['handler', 'bundle', 'init', 'of which import', 'init ÷ empty'],
      coldStart.handlers.map((handler) => [
        handler.handler,
        `${(handler.bytes / 1024).toFixed(0)} KiB`,
        `${handler.initMs.toFixed(1)} ms`,
        `${handler.importMs.toFixed(1)} ms`,
        `${handler.initRatio.toFixed(2)}×`,
      ]),
    )}\nFloor (Middy, the Powertools logger, one SDK client and one command, no step code): ${(coldStart.floor.bytes / 1024).toFixed(0)} KiB, init ${coldStart.floor.initMs.toFixed(1)} ms, ${coldStart.floor.initRatio.toFixed(2)}× the empty handler`,
  );
  sections.push(
    `Engine: a 200-service deploy with zero latencies runs in ${summary.engine200ServicesSeconds.toFixed(2)} s (median of ${results.engineSeconds.length}: ${results.engineSeconds.map((seconds) => seconds.toFixed(2)).join(', ')} s)`,
  );
  sections.push(
    `Targets\n${table(
      ['measure', 'value', 'target', ''],
      [
        [
          'critical-path ratio (worst run)',
          ratio(summary.criticalPathRatio),
          `≤ ${summary.targets.criticalPathRatio}`,
          mark(summary.met.criticalPathRatio),
        ],
        [
          'orchestration cost ÷ CodeBuild (worst run)',
          `1/${(1 / summary.orchestrationCostRatio).toFixed(0)}`,
          '≤ 1/20',
          mark(summary.met.orchestrationCostRatio),
        ],
        [
          'services within limits',
          String(summary.maxServicesWithinLimits),
          `≥ ${summary.targets.maxServicesWithinLimits}`,
          mark(summary.met.maxServicesWithinLimits),
        ],
        [
          'cold-start init ÷ empty (worst handler)',
          `${summary.coldStartInitRatio.toFixed(2)}×`,
          `≤ ${summary.targets.coldStartInitRatio}×`,
          mark(summary.met.coldStartInitRatio),
        ],
        [
          'no-op redeploy, 20 services (slowest mode)',
          `${summary.noopRedeploySeconds.toFixed(1)} s, ${(summary.noopRedeployShare * 100).toFixed(1)} % of its first deploy`,
          `≤ ${summary.targets.noopRedeploySeconds * 100} %`,
          mark(summary.met.noopRedeploySeconds),
        ],
        [
          'no-op redeploy: builds, ECS deployments',
          `${summary.noopRedeployBuilds}, ${summary.noopRedeployRollouts}`,
          `${summary.targets.noopRedeployBuilds}, ${summary.targets.noopRedeployRollouts}`,
          mark(summary.met.noopRedeployBuilds && summary.met.noopRedeployRollouts),
        ],
        [
          'one of 20 services changed ÷ its build and rollout',
          ratio(summary.oneServiceChangeRatio),
          `≤ ${summary.targets.oneServiceChangeRatio}`,
          mark(summary.met.oneServiceChangeRatio),
        ],
        [
          'engine, 200 services, zero latency',
          `${summary.engine200ServicesSeconds.toFixed(2)} s`,
          `< ${summary.targets.engine200ServicesSeconds} s`,
          mark(summary.met.engine200ServicesSeconds),
        ],
      ],
    )}`,
  );
  sections.push(`Curves: ${files.join(', ')}\nBenchmark took ${results.benchSeconds.toFixed(0)} s.`);
  return `${sections.join('\n\n')}\n`;
}
