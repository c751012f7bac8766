/**
 * What orchestrating a run costs: modeshift's state transitions and step
 * Lambdas, next to an orchestrator that runs one CodeBuild job for the whole
 * run. Prices are us-east-1 list prices (Step Functions Standard and
 * CodeBuild on demand, Lambda x86, from their pricing pages).
 */

export const PRICES = {
  /** Step Functions Standard: US$ per state transition (0.025 per 1,000). */
  transition: 0.025 / 1000,
  /** Lambda: US$ per request (0.20 per million). */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda x86: US$ per GB-second. */
  lambdaGbSecond: 0.0000166667,
  /** CodeBuild BUILD_GENERAL1_MEDIUM, Linux: US$ per build minute, billed in whole minutes. */
  codeBuildMediumMinute: 0.01,
} as const;

export interface OrchestrationCost {
  readonly transitions: number;
  readonly lambda: number;
  /** modeshift's: transitions plus Lambda. */
  readonly total: number;
  /** A CodeBuild BUILD_GENERAL1_MEDIUM job running for the whole run. */
  readonly codeBuild: number;
  /** total ÷ codeBuild. */
  readonly ratio: number;
}

export function orchestrationCost(run: {
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly seconds: number;
}): OrchestrationCost {
  const transitions = run.transitions * PRICES.transition;
  const lambda = run.lambdaInvocations * PRICES.lambdaRequest + run.lambdaGbSeconds * PRICES.lambdaGbSecond;
  const codeBuild = Math.max(1, Math.ceil(run.seconds / 60)) * PRICES.codeBuildMediumMinute;
  const total = transitions + lambda;
  return { transitions, lambda, total, codeBuild, ratio: total / codeBuild };
}
