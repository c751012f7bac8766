/**
 * Helpers that read what an aws-sdk-client-mock mock received, for the step
 * tests that check the order of commands or that a step sent none of a set:
 * where a command first stands among every call, and the names of the commands
 * sent among a given set, in the order they were sent.
 */
import type { AwsStub } from 'aws-sdk-client-mock';

// biome-ignore lint/suspicious/noExplicitAny: the mock of any client
type AnyMock = AwsStub<any, any, any>;
type CommandType = abstract new (...args: never[]) => unknown;

/** Position of the first call of `command` among every call `mock` received; -1 when none. */
export function callIndex(mock: AnyMock, command: CommandType): number {
  return mock.calls().findIndex((call) => call.args[0] instanceof command);
}

/** Names of the commands `mock` received that are among `commands`, in the order received. */
export function sentAmong(mock: AnyMock, commands: ReadonlyArray<CommandType>): string[] {
  return mock
    .calls()
    .map((call) => call.args[0])
    .filter((command) => commands.some((type) => command instanceof type))
    .map((command) => command.constructor.name);
}
