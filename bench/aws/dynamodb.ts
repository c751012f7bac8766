/**
 * In-memory DynamoDB for the environments table: items by key, with
 * UpdateItem's `SET a = :v, … REMOVE b, …` applied (what the workflows'
 * records need). Conditions are not evaluated: a benchmark run is alone.
 */
import type {
  AttributeValue,
  GetItemCommandInput,
  PutItemCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { InMemoryService } from './in-memory-clients.ts';

type Item = Record<string, AttributeValue>;

const keyOf = (key: Item | undefined) => `${key?.pk?.S ?? ''}|${key?.sk?.S ?? ''}`;

/** Applies an update expression's SET and REMOVE clauses (no arithmetic, no functions). */
function applyUpdate(item: Item, input: UpdateItemCommandInput): Item {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const name = (token: string) => names[token.trim()] ?? token.trim();
  const updated: Item = { ...item };
  const expression = input.UpdateExpression ?? '';
  const set = /SET (.*?)(?= REMOVE |$)/.exec(expression)?.[1];
  const remove = /REMOVE (.*)$/.exec(expression)?.[1];
  for (const assignment of set?.split(',') ?? []) {
    const [left, right] = assignment.split('=');
    const value = values[(right ?? '').trim()];
    if (left !== undefined && value !== undefined) updated[name(left)] = value;
  }
  for (const token of remove?.split(',') ?? []) delete updated[name(token)];
  return updated;
}

export function inMemoryDynamoDb(): InMemoryService {
  const items = new Map<string, Item>();
  return {
    GetItem: (input: GetItemCommandInput) => {
      const item = items.get(keyOf(input.Key));
      return item ? { Item: item } : {};
    },
    PutItem: (input: PutItemCommandInput) => {
      items.set(keyOf(input.Item), input.Item ?? {});
      return {};
    },
    UpdateItem: (input: UpdateItemCommandInput) => {
      const key = keyOf(input.Key);
      const old = items.get(key);
      items.set(key, applyUpdate({ ...old, ...input.Key }, input));
      return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
    },
  };
}
