import type { Message } from '@raftmq/protocol';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const separator = '#';

/** Who sent a message: the producer, the sequence of its send, and the message's place in that send's batch. */
export interface MessageIdentity {
  readonly producerId: string;
  readonly sequence: number;
  readonly position: number;
}

/**
 * The identity of a message as text, carried as its body: every message a
 * simulated producer sends is unique, so the checks tell messages apart by
 * body alone, whatever the broker did with the send's producer id.
 */
export function identityText(identity: MessageIdentity): string {
  return `${identity.producerId}${separator}${identity.sequence}${separator}${identity.position}`;
}

export function parseIdentity(text: string): MessageIdentity {
  const [producerId, sequence, position] = text.split(separator);
  if (producerId === undefined || sequence === undefined || position === undefined) throw new TypeError(`not a simulated message identity: ${text}`);
  return { producerId, sequence: Number(sequence), position: Number(position) };
}

/** The messages of one send: one per position, each with its identity as body. */
export function messagesOfSend(producerId: string, sequence: number, messageCount: number): Message[] {
  const messages: Message[] = [];
  for (let position = 0; position < messageCount; position++) {
    messages.push({ body: encoder.encode(identityText({ producerId, sequence, position })), producerId, sequence });
  }
  return messages;
}

export function identityOfMessage(message: Message): string {
  return decoder.decode(message.body);
}
