import type { ComparisonSymbol } from './sql-lexer.js';

/**
 * The tree of a parsed SQL92 filter. Every check that can be made without a
 * message (operand types, list sizes, nesting) is made by the parser, so
 * evaluating a tree never fails: it only answers TRUE, FALSE or UNKNOWN.
 */

/** A side of a comparison. `position` points into the expression text, for error messages. */
export type SqlOperand =
  | { readonly kind: 'property'; readonly name: string; readonly position: number }
  | { readonly kind: 'string'; readonly value: string; readonly position: number }
  | { readonly kind: 'number'; readonly value: number; readonly position: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly position: number };

/**
 * How a comparison reads its operands, fixed by the parser from the literal
 * involved: a property is a string, read as a number when compared with a
 * number (and always by `<`, `>`, ...), as `true`/`false` when compared with
 * TRUE or FALSE.
 */
export type ComparisonType = 'string' | 'number' | 'boolean';

export type TextMatch = 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH';

export type SqlExpression =
  | { readonly kind: 'or'; readonly operands: readonly SqlExpression[] }
  | { readonly kind: 'and'; readonly operands: readonly SqlExpression[] }
  | { readonly kind: 'not'; readonly operand: SqlExpression }
  | {
      readonly kind: 'compare';
      readonly type: ComparisonType;
      readonly operator: ComparisonSymbol;
      readonly left: SqlOperand;
      readonly right: SqlOperand;
    }
  | { readonly kind: 'between'; readonly negated: boolean; readonly operand: SqlOperand; readonly low: SqlOperand; readonly high: SqlOperand }
  | { readonly kind: 'in'; readonly negated: boolean; readonly property: string; readonly values: ReadonlySet<string> }
  | { readonly kind: 'isNull'; readonly negated: boolean; readonly property: string }
  | { readonly kind: 'text'; readonly match: TextMatch; readonly negated: boolean; readonly property: string; readonly value: string };

/** A compiled SQL92 filter: the text it was parsed from and its tree. */
export interface SqlFilter {
  readonly text: string;
  readonly expression: SqlExpression;
}
