/**
 * What a Task state's `Resource` asks for. The engine runs these kinds:
 *
 * - `arn:aws:states:::aws-sdk:<service>:<action>`: one API call (aws-sdk integration);
 * - `arn:aws:states:::dynamodb:putItem|getItem|updateItem|deleteItem`,
 *   `arn:aws:states:::events:putEvents`, `arn:aws:states:::codebuild:startBuild.sync`,
 *   `arn:aws:states:::lambda:invoke`: optimized integrations;
 * - `arn:aws:lambda:<region>:<account>:function:<name>`: a Lambda function, run as a Lambda step.
 */

export type TaskResource =
  | { readonly kind: 'aws-sdk'; readonly service: string; readonly action: string; readonly pattern: string }
  | {
      readonly kind: 'optimized';
      readonly service: string;
      readonly action: string;
      readonly pattern: string;
    }
  | { readonly kind: 'lambda-function'; readonly functionName: string }
  | { readonly kind: 'unknown' };

const STATES_ARN = /^arn:aws[a-z-]*:states:::(.+)$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]*:\d*:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;

/** Splits `action.sync` into the action and its integration pattern (`request` when there is no suffix). */
function splitPattern(text: string): { action: string; pattern: string } {
  const dot = text.indexOf('.');
  return dot === -1
    ? { action: text, pattern: 'request' }
    : { action: text.slice(0, dot), pattern: text.slice(dot + 1) };
}

export function parseTaskResource(resource: unknown): TaskResource {
  if (typeof resource !== 'string') return { kind: 'unknown' };
  const lambda = LAMBDA_ARN.exec(resource);
  if (lambda) return { kind: 'lambda-function', functionName: lambda[1] as string };
  const states = STATES_ARN.exec(resource)?.[1];
  if (states === undefined) return { kind: 'unknown' };
  const parts = states.split(':');
  if (parts[0] === 'aws-sdk' && parts.length === 3) {
    return { kind: 'aws-sdk', service: parts[1] as string, ...splitPattern(parts[2] as string) };
  }
  if (parts.length === 2)
    return { kind: 'optimized', service: parts[0] as string, ...splitPattern(parts[1] as string) };
  return { kind: 'unknown' };
}

/**
 * The Lambda step a function name stands for: the step named exactly so, or
 * else the longest step name the function name ends with
 * (`modeshift-Unlock` is `Unlock`, not `Lock`).
 */
export function lambdaStepFor(functionName: string, stepNames: readonly string[]): string | undefined {
  if (stepNames.includes(functionName)) return functionName;
  return stepNames
    .filter((step) => functionName.endsWith(step))
    .sort((a, b) => b.length - a.length)
    .at(0);
}
