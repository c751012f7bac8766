/**
 * JSONata in a definition. aws-local-stepfunctions runs JSONPath only and
 * ignores JSONata fields without a word (a Task's `Arguments` are dropped and
 * it receives its raw input), so modeshift's workflows are JSONPath and any
 * JSONata is reported.
 */
import { allStates, isJsonObject, type JsonValue, type Machine } from '../core/asl.ts';

const STATE_FIELDS = ['QueryLanguage', 'Arguments', 'Output', 'Assign'] as const;
const RULE_FIELDS = ['Output', 'Assign', 'Condition'] as const;
const EXPRESSION = /^\s*\{%[\s\S]*%\}\s*$/;

function hasExpression(value: JsonValue | undefined): boolean {
  if (typeof value === 'string') return EXPRESSION.test(value);
  if (Array.isArray(value)) return value.some(hasExpression);
  if (isJsonObject(value)) return Object.values(value).some(hasExpression);
  return false;
}

/** Every use of JSONata, one line each, naming the state (or the top level). */
export function jsonataUses(definition: Machine): string[] {
  const uses: string[] = [];
  if ('QueryLanguage' in definition) uses.push('definition: QueryLanguage is set (JSONata is not supported)');
  for (const { name, state } of allStates(definition)) {
    const fields: string[] = STATE_FIELDS.filter((field) => field in state);
    const lists = {
      Catch: 'Catch' in state ? state.Catch : [],
      Choices: 'Choices' in state ? state.Choices : [],
    };
    for (const [list, rules] of Object.entries(lists)) {
      if (!Array.isArray(rules)) continue;
      rules.forEach((rule, index) => {
        if (!isJsonObject(rule)) return;
        for (const field of RULE_FIELDS) if (field in rule) fields.push(`${list}[${index}].${field}`);
      });
    }
    if (fields.length > 0)
      uses.push(`state "${name}": JSONata field${fields.length === 1 ? '' : 's'} ${fields.join(', ')}`);
    const own = Object.fromEntries(
      Object.entries(state).filter(([key]) => !['ItemProcessor', 'Iterator', 'Branches'].includes(key)),
    );
    if (hasExpression(own)) uses.push(`state "${name}": a {% … %} JSONata expression`);
  }
  return uses;
}
