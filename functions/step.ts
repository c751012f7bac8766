/**
 * A workflow step, declared once: its name (as the workflows call it,
 * `${<Name>FunctionArn}`), the AWS SDK clients it needs, every SDK command it
 * sends, the policy settings it reads from a whole policy, how its output
 * says "not done yet", and what it runs, with typed input and output.
 *
 * Everything that lists steps reads these declarations: the workflows name
 * them (state-machines/), the local engine runs them (local/steps.ts), the
 * SST app makes one Lambda function of each (stacks/workflow-steps.ts) whose
 * IAM policy is derived from `sends` (core/step-iam.ts), and the graph shows
 * their `settings`. A step's file also exports its Lambda handler
 * (functions/lambda-handler.ts), so each function's bundle holds only that
 * step's code and clients.
 *
 * `sends` is held to account: every client a step gets lets through only the
 * commands the declaration lists, so a call its IAM policy would refuse on
 * AWS fails in every test instead.
 *
 * ```ts
 * export const deleteLogGroups = defineStep({
 *   name: 'DeleteThings',
 *   clients: { logs: CloudWatchLogsClient },
 *   sends: [DescribeLogGroupsCommand, DeleteLogGroupCommand],
 *   run: async (input: DeleteLogGroupsInput, { logs }) => { … },
 * });
 * export const handler = lambdaHandler(deleteLogGroups);
 * ```
 */
import type { SettingName } from '../core/policy.ts';
import { NotReadyError, StepError, withStepErrors } from './step-errors.ts';

/** A JS SDK v3 client, as far as a step uses it. */
export interface SdkClient {
  // biome-ignore lint/suspicious/noExplicitAny: each client's send takes its own commands
  send(command: any, ...rest: any[]): Promise<unknown>;
}

/** A client class (`EC2Client`), constructed with no options on Lambda. */
export type SdkClientClass = new (config: Record<string, never>) => SdkClient;

/** A command class (`CreateVpcCommand`). */
// biome-ignore lint/suspicious/noExplicitAny: commands take their own input
export type SdkCommandClass = abstract new (input: any) => object;

/** A step's clients by the names it uses them under: `{ ec2: EC2Client }`. */
export type ClientClasses = Readonly<Record<string, SdkClientClass>>;

/** The client instances a step runs with: `{ ec2: EC2Client }` → `{ ec2: <an EC2Client> }`. */
export type ClientsOf<C extends ClientClasses> = { readonly [K in keyof C]: InstanceType<C[K]> };

/** What a step gets besides its input and clients. */
export interface StepContext {
  /** Locally, the engine knows which Task failed last; on AWS the execution history tells. */
  readonly lastFailedTask?: () => string | undefined;
}

/** How a step is declared; {@link defineStep} makes it a {@link Step}. */
export interface StepDeclaration<I, O, C extends ClientClasses> {
  /** The step's name, as the workflows call it (`${<Name>FunctionArn}`); its file is named after it. */
  readonly name: string;
  /** The SDK clients the step uses, by the names `run` gets them under. */
  readonly clients: C;
  /**
   * Every SDK command the step sends, through any of its clients (a
   * paginator sends its operation's command). The step's IAM policy grants
   * exactly these; a command not listed is refused before it is sent.
   */
  readonly sends: readonly SdkCommandClass[];
  /**
   * The policy settings the step reads from a whole policy in its input
   * (`"policy.$": "$.policy"`), which the ASL alone cannot show.
   * @default []
   */
  readonly settings?: readonly SettingName[];
  /**
   * For a step the workflow waits on: whether its output says it is done.
   * Until it is, the step fails with `Modeshift.NotReady`, which the state's
   * Retry waits out (a Retry costs one state transition; a Choice-and-Wait
   * loop costs three). It may throw a StepError when the output says the
   * wait can never end. Write it after `run`, whose return type it takes.
   */
  readonly settled?: (output: NoInfer<O>) => boolean;
  /** The work: input in, output out, with the declared clients. */
  readonly run: (input: I, clients: ClientsOf<C>, context: StepContext) => Promise<O>;
}

/**
 * A declared step: call it with its input and clients to run it (the clients
 * held to `sends`), and read its declaration from its fields.
 */
export interface Step<I = never, O = unknown, C extends ClientClasses = ClientClasses> {
  (input: I, clients: ClientsOf<C>, context?: StepContext): Promise<O>;
  /** The step's name, as the workflows call it. */
  readonly name: string;
  readonly clients: C;
  readonly sends: readonly SdkCommandClass[];
  readonly settings: readonly SettingName[];
  readonly settled?: (output: O) => boolean;
}

/** A step of any input, output and clients: what lists of steps hold. */
export interface AnyStep {
  // biome-ignore lint/suspicious/noExplicitAny: a list of steps holds steps of every input, output and clients
  (input: any, clients: any, context?: StepContext): Promise<unknown>;
  readonly name: string;
  readonly clients: ClientClasses;
  readonly sends: readonly SdkCommandClass[];
  readonly settings: readonly SettingName[];
  // biome-ignore lint/suspicious/noExplicitAny: the output of any step
  readonly settled?: (output: any) => boolean;
}

/** A step sent a command its declaration does not list: on AWS its role would refuse it. */
export class UndeclaredCommandError extends StepError {
  constructor(step: string, command: string) {
    super(
      'Modeshift.UndeclaredCommand',
      `${step} sent ${command}, which its declaration does not list in sends (its IAM policy grants only those)`,
    );
  }
}

/** A client whose `send` lets through only the declared commands; everything else is the client's own. */
function heldToDeclaration<T extends object>(step: string, client: T, sends: ReadonlySet<unknown>): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'send' || typeof value !== 'function') return value;
      return function sendDeclared(command: object, ...rest: unknown[]) {
        if (!sends.has(command?.constructor)) {
          return Promise.reject(
            new UndeclaredCommandError(step, command?.constructor?.name ?? String(command)),
          );
        }
        return Reflect.apply(value, target, [command, ...rest]);
      };
    },
  });
}

/** Declares a step: see the top of this file. */
export function defineStep<I, O, C extends ClientClasses>(
  declaration: StepDeclaration<I, O, C>,
): Step<I, O, C> {
  const sends = new Set<unknown>(declaration.sends);
  const step = function runStep(input: I, clients: ClientsOf<C>, context: StepContext = {}): Promise<O> {
    const held = Object.fromEntries(
      Object.keys(declaration.clients).map((key) => {
        const client: unknown = clients[key];
        return [
          key,
          typeof client === 'object' && client !== null
            ? heldToDeclaration(declaration.name, client, sends)
            : client,
        ];
      }),
    ) as ClientsOf<C>;
    return declaration.run(input, held, context);
  };
  Object.defineProperty(step, 'name', { value: declaration.name });
  return Object.assign(step, {
    clients: declaration.clients,
    sends: declaration.sends,
    settings: declaration.settings ?? [],
    ...(declaration.settled ? { settled: declaration.settled } : {}),
  }) as Step<I, O, C>;
}

/**
 * Runs a step as a workflow's Task does: AWS throttling becomes
 * `Modeshift.Throttled` (the state retries it with backoff), and an output
 * that says "not done yet" becomes `Modeshift.NotReady` (the state polls).
 */
export async function runAsTask<I, O, C extends ClientClasses>(
  step: Step<I, O, C>,
  input: I,
  clients: ClientsOf<C>,
  context?: StepContext,
): Promise<O> {
  const output = await withStepErrors(step.name, () => step(input, clients, context));
  if (step.settled && !step.settled(output)) {
    throw new NotReadyError(`${step.name}: not done yet ${JSON.stringify(output)}`);
  }
  return output;
}

/** The file a step is declared in, which is also its Lambda function's entry: `StartThing` → `functions/steps/start-thing.ts`. */
export function stepFile(name: string): string {
  return `functions/steps/${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`;
}
