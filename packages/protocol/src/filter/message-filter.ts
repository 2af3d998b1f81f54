import { FilterExpressionError } from '../errors.js';
import { parseSqlFilter } from './sql-parser.js';
import { evaluateSqlFilterReading, propertyReader, type MessageProperties, type PropertyReader } from './sql-evaluate.js';
import type { SqlFilter } from './sql-syntax.js';
import { matchesTags, mayMatchTagHash, parseTagExpression, type TagExpression } from './tag-expression.js';

/** RocketMQ's ExpressionType: how a subscription's expression is read. */
export type FilterType = 'TAG' | 'SQL92';

/** What a filter looks at in a message: its one tag (absent or empty: none) and its user properties. */
export interface FilterableMessage {
  readonly tag?: string | undefined;
  readonly properties?: MessageProperties | undefined;
}

/** The property under which an SQL92 filter sees the message's tag, as in RocketMQ. */
export const tagPropertyName = 'TAGS';

const noProperties: MessageProperties = new Map<string, string>();

interface FilterMethods {
  /** The original expression text, for showing the subscription back. */
  readonly text: string;
  /** Whether the message passes. */
  matches(message: FilterableMessage): boolean;
  /** The ConsumeQueue pre-check on the stored tag hash: false means the message surely fails; true that matches must decide. */
  mayMatchTagHash(hash: number): boolean;
}

/** One parsed subscription expression, held by the broker per subscription. */
export type MessageFilter =
  | (FilterMethods & { readonly type: 'TAG'; readonly expression: TagExpression })
  | (FilterMethods & { readonly type: 'SQL92'; readonly expression: SqlFilter });

/** Parses a subscription's expression; throws only FilterExpressionError, whatever the text. */
export function parseFilterExpression(type: FilterType, text: string): MessageFilter {
  if (type === 'TAG') {
    const expression = parseTagExpression(text);
    return Object.freeze({
      type,
      text,
      expression,
      matches: (message: FilterableMessage) => matchesTags(expression, message.tag),
      mayMatchTagHash: (hash: number) => mayMatchTagHash(expression, hash),
    });
  }
  if (type !== 'SQL92') {
    // Only reachable from untyped callers (a subscription decoded off the wire): refuse rather than guess a type.
    throw new FilterExpressionError(0, `expected filter type TAG or SQL92, found ${JSON.stringify(String(type)).slice(0, 40)}`);
  }
  const expression = parseSqlFilter(text);
  return Object.freeze({
    type,
    text,
    expression,
    matches: (message: FilterableMessage) => evaluateSqlFilterReading(expression, readerWithTag(message)),
    // An SQL92 filter may test anything, the tag included in any form, so a hash rules nothing out.
    mayMatchTagHash: () => true,
  });
}

/**
 * Reads the message's properties with its tag as TAGS. The tag field wins over
 * a TAGS property, since it is what the message was sent with; a message
 * without a tag keeps whatever properties it has.
 */
function readerWithTag(message: FilterableMessage): PropertyReader {
  const read = propertyReader(message.properties ?? noProperties);
  const tag = message.tag;
  if (tag === undefined || tag === '') return read;
  return (name) => (name === tagPropertyName ? tag : read(name));
}
