/**
 * A message's id, derived from where it is stored: the broker group, the Raft
 * log index of the entry holding its batch, and its position in that batch.
 * Every replica derives the same id for the same message, a retried send
 * answered DUPLICATE gets the ids of the first, and an id leads straight back
 * to the entry (no index to keep).
 *
 * Form: `<brokerName>:<logIndex, 14 hex digits><position, 4 hex digits>`,
 * within protocol's messageIdPattern (letters, digits and `_.:-`).
 */

const logIndexDigits = 14;
const positionDigits = 4;
const idPattern = /^([A-Za-z0-9_.-]{1,64}):([0-9A-F]{14})([0-9A-F]{4})$/;

export interface MessageLocation {
  readonly brokerName: string;
  readonly logIndex: number;
  readonly positionInEntry: number;
}

export function messageId(brokerName: string, logIndex: number, positionInEntry: number): string {
  return `${brokerName}:${logIndex.toString(16).toUpperCase().padStart(logIndexDigits, '0')}${positionInEntry.toString(16).toUpperCase().padStart(positionDigits, '0')}`;
}

/** Where the message with this id is stored, or undefined when it is not an id this broker makes. */
export function parseMessageId(id: string): MessageLocation | undefined {
  const match = idPattern.exec(id);
  if (match === null) return undefined;
  const logIndex = Number.parseInt(match[2] as string, 16);
  if (!Number.isSafeInteger(logIndex) || logIndex < 1) return undefined;
  return { brokerName: match[1] as string, logIndex, positionInEntry: Number.parseInt(match[3] as string, 16) };
}
