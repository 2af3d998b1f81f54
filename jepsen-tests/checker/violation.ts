/** What a checker found wrong; results.json lists them. */
export interface Violation {
  readonly checker: string;
  readonly message: string;
}

/** Violations quoted one by one per checker; the rest are summed up in one more. */
export const violationsListedMax = 20;

/** Keeps the first `violationsListedMax` messages and says how many more there were. */
export function capViolations(checker: string, messages: readonly string[]): Violation[] {
  const listed = messages.slice(0, violationsListedMax).map((message) => ({ checker, message }));
  if (messages.length > violationsListedMax) listed.push({ checker, message: `... and ${messages.length - violationsListedMax} more` });
  return listed;
}
