import { BadRequestError } from './errors.js';
import { frameBytesMax } from './frame.js';

/**
 * The binary form of a batch of messages: the body of SendMessage and
 * SendBatchMessage (messages as a producer sends them) and of PullMessage and
 * QueryMessageById (messages as stored, with their offsets and ids). The topic
 * and queue travel in the frame's headers, so a message carries none of them.
 *
 * Layout (varint = unsigned LEB128, canonical, at most 8 bytes, at most 2^53-1;
 * str = varint byte length + UTF-8 bytes):
 *
 * ```
 * batch   = format:u8 count:varint message{count}          (nothing may follow)
 *           format 0x01: messages as sent; 0x02: messages as stored
 * message = flags:u8
 *           [stored only] queueOffset:varint msgId:str bornTimestamp:varint storeTimestamp:varint
 *           [flags & 0x01] tags:str
 *           [flags & 0x02] keyCount:varint key:str{keyCount}
 *           [flags & 0x04] propertyCount:varint (name:str value:str){propertyCount}
 *           [flags & 0x08] producerId:str
 *           [flags & 0x10] sequence:varint
 *           bodyLength:varint body:bytes{bodyLength}
 * ```
 *
 * There is no CRC: the frame is checked as a whole, and the broker's log
 * checks its own records. Every count and length is bounded by a named limit,
 * checked before anything is allocated. Decoding throws only BadRequestError
 * (MessageLimitError for a crossed limit), whose `field` names the bad part,
 * as `body.messages.3.properties`.
 */

/** Bytes of one message's body (RocketMQ's maxMessageSize); a broker may be configured lower. */
export const messageSizeBytesMax = 4 * 1024 * 1024;
/** Messages in one batch: one SendBatchMessage, one pull's answer. */
export const batchMessagesMax = 1_024;
/** Bytes of one encoded batch: what fits in a frame, with room for its headers. */
export const messageBatchBytesMax = frameBytesMax - 64 * 1024;
/** UTF-8 bytes of a message's tag. */
export const tagBytesMax = 128;
/** Keys of one message (RocketMQ's KEYS, indexed for queries by key). */
export const keysPerMessageMax = 32;
/** UTF-8 bytes of one key. */
export const keyBytesMax = 128;
/** User properties of one message. */
export const propertiesPerMessageMax = 64;
/** UTF-8 bytes of a property's name. */
export const propertyNameBytesMax = 128;
/** UTF-8 bytes of a property's value. */
export const propertyValueBytesMax = 4 * 1024;
/** UTF-8 bytes of all of one message's property names and values together (RocketMQ caps them at 32 KiB). */
export const propertiesBytesMax = 32 * 1024;
/** Characters of a producer id (printable ASCII, no spaces). */
export const producerIdLengthMax = 128;
/** Characters of a message id. */
export const messageIdLengthMax = 128;

/** A producer or client id: printable ASCII without spaces, like RocketMQ's `ip@pid@instance`. */
export const producerIdPattern = /^[\x21-\x7e]{1,128}$/;
/** A message id as the broker assigns it: letters, digits and `_.:-`. */
export const messageIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A message as a producer sends it. */
export interface Message {
  /** At least one byte, at most messageSizeBytesMax. */
  readonly body: Uint8Array;
  /** One tag, for filtering by subscription expression: no `|`, no surrounding whitespace, not `*`. */
  readonly tags?: string;
  readonly keys?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  /** The producer that sent it and the sequence of that send (for idempotent retries), as the broker stored them. */
  readonly producerId?: string;
  readonly sequence?: number;
}

/** A message as stored and served by a pull or a query. */
export interface StoredMessage extends Message {
  /** Its offset in its consume queue. */
  readonly queueOffset: number;
  readonly msgId: string;
  /** Milliseconds since the epoch, on the producer's clock when it sent the message. */
  readonly bornTimestamp: number;
  /** Milliseconds since the epoch, on the leader's clock when it proposed the message. */
  readonly storeTimestamp: number;
}

/** Limits a server may set below (or a test above) the defaults. */
export interface MessageBatchLimits {
  /** Default messageSizeBytesMax. */
  readonly messageSizeBytesMax?: number;
  /** Default batchMessagesMax; SendMessage decodes with 1. */
  readonly batchMessagesMax?: number;
}

/** A message or batch over one of the named limits; `limit` is its name. */
export class MessageLimitError extends BadRequestError {
  readonly limit: string;
  constructor(field: string, limit: string, message: string) {
    super(field, message);
    this.limit = limit;
  }
}

const MessageFormat = { Sent: 0x01, Stored: 0x02 } as const;
type MessageFormat = (typeof MessageFormat)[keyof typeof MessageFormat];
const Flag = { Tags: 0x01, Keys: 0x02, Properties: 0x04, ProducerId: 0x08, Sequence: 0x10 } as const;
const flagsKnown = Flag.Tags | Flag.Keys | Flag.Properties | Flag.ProducerId | Flag.Sequence;
const varintBytesMax = 8;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `tag` may be a message's tag: what a subscription expression (`a || b`) can name. */
export function isValidTag(tag: string): boolean {
  return tag.length > 0 && tag !== '*' && !tag.includes('|') && tag.trim() === tag && !loneSurrogate.test(tag) && Buffer.byteLength(tag, 'utf8') <= tagBytesMax;
}

function limitsOf(limits: MessageBatchLimits | undefined): Required<MessageBatchLimits> {
  return {
    messageSizeBytesMax: limits?.messageSizeBytesMax ?? messageSizeBytesMax,
    batchMessagesMax: limits?.batchMessagesMax ?? batchMessagesMax,
  };
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// ---------------------------------------------------------------- checks shared by encode and decode

/** Its length in bytes was checked already, against tagBytesMax. */
function checkTag(field: string, tag: string): void {
  if (!isValidTag(tag)) throw new BadRequestError(field, "must be a non-empty tag without '|' or surrounding whitespace, and not '*'");
}

function checkProducerId(field: string, producerId: string): void {
  if (!producerIdPattern.test(producerId)) throw new BadRequestError(field, `must be 1-${producerIdLengthMax} printable ASCII characters without spaces`);
}

function checkMessageId(field: string, msgId: string): void {
  if (!messageIdPattern.test(msgId)) throw new BadRequestError(field, `must be 1-${messageIdLengthMax} letters, digits or _.:-`);
}

function checkBodyLength(field: string, length: number, max: number): void {
  if (length === 0) throw new BadRequestError(field, 'a message body may not be empty');
  if (length > max) throw new MessageLimitError(field, 'messageSizeBytesMax', `${length} bytes is over messageSizeBytesMax ${max}`);
}

function checkCount(field: string, count: number, max: number, limit: string): void {
  if (count > max) throw new MessageLimitError(field, limit, `${count} is over ${limit} ${max}`);
}

// ---------------------------------------------------------------- encode

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size += 1;
  }
  return size;
}

function stringBytes(field: string, value: unknown, max: number, limit: string): number {
  if (typeof value !== 'string') throw new BadRequestError(field, 'must be a string');
  if (loneSurrogate.test(value)) throw new BadRequestError(field, 'must be well-formed Unicode (a lone surrogate cannot be UTF-8)');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > max) throw new MessageLimitError(field, limit, `${bytes} bytes is over ${limit} ${max}`);
  return bytes;
}

/** Checks one message and returns its encoded size. */
function measure(message: Message | StoredMessage, index: number, format: MessageFormat, limits: Required<MessageBatchLimits>): number {
  const at = `body.messages.${index}`;
  if (typeof message !== 'object' || message === null) throw new BadRequestError(at, 'must be a message');
  let size = 1;
  if (format === MessageFormat.Stored) {
    const stored = message as StoredMessage;
    if (!isOffset(stored.queueOffset)) throw new BadRequestError(`${at}.queueOffset`, 'must be an integer in [0, 2^53)');
    if (typeof stored.msgId !== 'string') throw new BadRequestError(`${at}.msgId`, 'must be a string');
    checkMessageId(`${at}.msgId`, stored.msgId);
    if (!isOffset(stored.bornTimestamp)) throw new BadRequestError(`${at}.bornTimestamp`, 'must be an integer in [0, 2^53)');
    if (!isOffset(stored.storeTimestamp)) throw new BadRequestError(`${at}.storeTimestamp`, 'must be an integer in [0, 2^53)');
    size += varintSize(stored.queueOffset) + varintSize(stored.msgId.length) + stored.msgId.length + varintSize(stored.bornTimestamp) + varintSize(stored.storeTimestamp);
  }
  if (message.tags !== undefined) {
    const bytes = stringBytes(`${at}.tags`, message.tags, tagBytesMax, 'tagBytesMax');
    checkTag(`${at}.tags`, message.tags);
    size += varintSize(bytes) + bytes;
  }
  if (message.keys !== undefined) {
    if (!Array.isArray(message.keys)) throw new BadRequestError(`${at}.keys`, 'must be an array of strings');
    checkCount(`${at}.keys`, message.keys.length, keysPerMessageMax, 'keysPerMessageMax');
    size += varintSize(message.keys.length);
    message.keys.forEach((key, position) => {
      const bytes = stringBytes(`${at}.keys.${position}`, key, keyBytesMax, 'keyBytesMax');
      if (bytes === 0) throw new BadRequestError(`${at}.keys.${position}`, 'a key may not be empty');
      size += varintSize(bytes) + bytes;
    });
  }
  if (message.properties !== undefined) {
    if (typeof message.properties !== 'object' || message.properties === null || Array.isArray(message.properties)) {
      throw new BadRequestError(`${at}.properties`, 'must be a record of strings');
    }
    const entries = Object.entries(message.properties);
    checkCount(`${at}.properties`, entries.length, propertiesPerMessageMax, 'propertiesPerMessageMax');
    size += varintSize(entries.length);
    let total = 0;
    for (const [name, value] of entries) {
      const nameBytes = stringBytes(`${at}.properties`, name, propertyNameBytesMax, 'propertyNameBytesMax');
      if (nameBytes === 0) throw new BadRequestError(`${at}.properties`, 'a property name may not be empty');
      const valueBytes = stringBytes(`${at}.properties.${name}`, value, propertyValueBytesMax, 'propertyValueBytesMax');
      total += nameBytes + valueBytes;
      size += varintSize(nameBytes) + nameBytes + varintSize(valueBytes) + valueBytes;
    }
    if (total > propertiesBytesMax) throw new MessageLimitError(`${at}.properties`, 'propertiesBytesMax', `${total} bytes is over propertiesBytesMax ${propertiesBytesMax}`);
  }
  if (message.producerId !== undefined) {
    if (typeof message.producerId !== 'string') throw new BadRequestError(`${at}.producerId`, 'must be a string');
    checkProducerId(`${at}.producerId`, message.producerId);
    size += varintSize(message.producerId.length) + message.producerId.length;
  }
  if (message.sequence !== undefined) {
    if (!isOffset(message.sequence)) throw new BadRequestError(`${at}.sequence`, 'must be an integer in [0, 2^53)');
    size += varintSize(message.sequence);
  }
  if (!(message.body instanceof Uint8Array)) throw new BadRequestError(`${at}.body`, 'must be bytes');
  checkBodyLength(`${at}.body`, message.body.byteLength, limits.messageSizeBytesMax);
  return size + varintSize(message.body.byteLength) + message.body.byteLength;
}

class Writer {
  readonly out: Buffer;
  pos = 0;
  constructor(size: number) {
    this.out = Buffer.allocUnsafe(size);
  }
  byte(value: number): void {
    this.out[this.pos++] = value;
  }
  varint(value: number): void {
    while (value >= 0x80) {
      this.out[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.out[this.pos++] = value;
  }
  string(value: string): void {
    this.varint(Buffer.byteLength(value, 'utf8'));
    this.pos += this.out.write(value, this.pos, 'utf8');
  }
  bytes(value: Uint8Array): void {
    this.varint(value.byteLength);
    this.out.set(value, this.pos);
    this.pos += value.byteLength;
  }
}

function write(writer: Writer, message: Message | StoredMessage, format: MessageFormat): void {
  const flags =
    (message.tags !== undefined ? Flag.Tags : 0) |
    (message.keys !== undefined ? Flag.Keys : 0) |
    (message.properties !== undefined ? Flag.Properties : 0) |
    (message.producerId !== undefined ? Flag.ProducerId : 0) |
    (message.sequence !== undefined ? Flag.Sequence : 0);
  writer.byte(flags);
  if (format === MessageFormat.Stored) {
    const stored = message as StoredMessage;
    writer.varint(stored.queueOffset);
    writer.string(stored.msgId);
    writer.varint(stored.bornTimestamp);
    writer.varint(stored.storeTimestamp);
  }
  if (message.tags !== undefined) writer.string(message.tags);
  if (message.keys !== undefined) {
    writer.varint(message.keys.length);
    for (const key of message.keys) writer.string(key);
  }
  if (message.properties !== undefined) {
    const entries = Object.entries(message.properties);
    writer.varint(entries.length);
    for (const [name, value] of entries) {
      writer.string(name);
      writer.string(value);
    }
  }
  if (message.producerId !== undefined) writer.string(message.producerId);
  if (message.sequence !== undefined) writer.varint(message.sequence);
  writer.bytes(message.body);
}

function encode(messages: readonly (Message | StoredMessage)[], format: MessageFormat, options: MessageBatchLimits | undefined): Uint8Array {
  const limits = limitsOf(options);
  if (!Array.isArray(messages) || messages.length === 0) throw new BadRequestError('body.messages', 'a batch holds at least one message');
  checkCount('body.messages', messages.length, limits.batchMessagesMax, 'batchMessagesMax');
  let size = 1 + varintSize(messages.length);
  messages.forEach((message, index) => {
    size += measure(message, index, format, limits);
    if (size > messageBatchBytesMax) throw new MessageLimitError('body', 'messageBatchBytesMax', `the batch is over messageBatchBytesMax ${messageBatchBytesMax} bytes`);
  });
  const writer = new Writer(size);
  writer.byte(format);
  writer.varint(messages.length);
  for (const message of messages) write(writer, message, format);
  return new Uint8Array(writer.out.buffer, writer.out.byteOffset, writer.out.byteLength);
}

/** Checks one message as encodeMessageBatch would, without encoding it: a message a producer batches later fails by itself, now. */
export function checkMessage(message: Message, limits?: MessageBatchLimits): void {
  measure(message, 0, MessageFormat.Sent, limitsOf(limits));
}

/** Encodes the body of a SendMessage (one message) or SendBatchMessage; a message over a limit is a BadRequestError naming it. */
export function encodeMessageBatch(messages: readonly Message[], limits?: MessageBatchLimits): Uint8Array {
  return encode(messages, MessageFormat.Sent, limits);
}

/** Encodes the body of a pull's or a query's answer. */
export function encodeStoredMessageBatch(messages: readonly StoredMessage[], limits?: MessageBatchLimits): Uint8Array {
  return encode(messages, MessageFormat.Stored, limits);
}

// ---------------------------------------------------------------- decode

class Reader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos === this.bytes.byteLength;
  }

  byte(field: string): number {
    if (this.pos >= this.bytes.byteLength) throw new BadRequestError(field, 'truncated');
    return this.bytes[this.pos++] as number;
  }

  varint(field: string): number {
    let value = 0;
    let scale = 1;
    for (let position = 0; position < varintBytesMax; position += 1) {
      const byte = this.byte(field);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0 && position > 0) throw new BadRequestError(field, 'a varint with a needless trailing zero byte');
        if (value > Number.MAX_SAFE_INTEGER) throw new BadRequestError(field, 'a varint over 2^53-1');
        return value;
      }
      scale *= 0x80;
    }
    throw new BadRequestError(field, `a varint longer than ${varintBytesMax} bytes`);
  }

  /** A view of the next `length` bytes, never a copy. */
  take(field: string, length: number): Uint8Array {
    if (length > this.bytes.byteLength - this.pos) throw new BadRequestError(field, `truncated: ${length} bytes announced, ${this.bytes.byteLength - this.pos} left`);
    const view = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.pos, length);
    this.pos += length;
    return view;
  }

  string(field: string, max: number, limit: string): string {
    const length = this.varint(field);
    if (length > max) throw new MessageLimitError(field, limit, `${length} bytes is over ${limit} ${max}`);
    const bytes = this.take(field, length);
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw new BadRequestError(field, 'not UTF-8', { cause: error });
    }
  }
}

function read(reader: Reader, index: number, format: MessageFormat, limits: Required<MessageBatchLimits>): Message | StoredMessage {
  const at = `body.messages.${index}`;
  const flags = reader.byte(at);
  if ((flags & ~flagsKnown) !== 0) throw new BadRequestError(at, `unknown flags 0x${flags.toString(16)}`);
  const message: { -readonly [K in keyof StoredMessage]?: StoredMessage[K] } = {};
  if (format === MessageFormat.Stored) {
    message.queueOffset = reader.varint(`${at}.queueOffset`);
    message.msgId = reader.string(`${at}.msgId`, messageIdLengthMax, 'messageIdLengthMax');
    checkMessageId(`${at}.msgId`, message.msgId);
    message.bornTimestamp = reader.varint(`${at}.bornTimestamp`);
    message.storeTimestamp = reader.varint(`${at}.storeTimestamp`);
  }
  if ((flags & Flag.Tags) !== 0) {
    const tags = reader.string(`${at}.tags`, tagBytesMax, 'tagBytesMax');
    checkTag(`${at}.tags`, tags);
    message.tags = tags;
  }
  if ((flags & Flag.Keys) !== 0) {
    const count = reader.varint(`${at}.keys`);
    checkCount(`${at}.keys`, count, keysPerMessageMax, 'keysPerMessageMax');
    const keys: string[] = [];
    for (let position = 0; position < count; position += 1) {
      const key = reader.string(`${at}.keys.${position}`, keyBytesMax, 'keyBytesMax');
      if (key.length === 0) throw new BadRequestError(`${at}.keys.${position}`, 'a key may not be empty');
      keys.push(key);
    }
    message.keys = keys;
  }
  if ((flags & Flag.Properties) !== 0) {
    const count = reader.varint(`${at}.properties`);
    checkCount(`${at}.properties`, count, propertiesPerMessageMax, 'propertiesPerMessageMax');
    const entries: [string, string][] = [];
    const names = new Set<string>();
    let total = 0;
    for (let position = 0; position < count; position += 1) {
      const name = reader.string(`${at}.properties`, propertyNameBytesMax, 'propertyNameBytesMax');
      if (name.length === 0) throw new BadRequestError(`${at}.properties`, 'a property name may not be empty');
      if (names.has(name)) throw new BadRequestError(`${at}.properties.${name}`, 'a property named twice');
      names.add(name);
      const value = reader.string(`${at}.properties.${name}`, propertyValueBytesMax, 'propertyValueBytesMax');
      total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
      if (total > propertiesBytesMax) throw new MessageLimitError(`${at}.properties`, 'propertiesBytesMax', `over propertiesBytesMax ${propertiesBytesMax} bytes`);
      entries.push([name, value]);
    }
    // fromEntries defines own properties, so a property named __proto__ stays a property.
    message.properties = Object.fromEntries(entries);
  }
  if ((flags & Flag.ProducerId) !== 0) {
    const producerId = reader.string(`${at}.producerId`, producerIdLengthMax, 'producerIdLengthMax');
    checkProducerId(`${at}.producerId`, producerId);
    message.producerId = producerId;
  }
  if ((flags & Flag.Sequence) !== 0) message.sequence = reader.varint(`${at}.sequence`);
  const length = reader.varint(`${at}.body`);
  checkBodyLength(`${at}.body`, length, limits.messageSizeBytesMax);
  message.body = reader.take(`${at}.body`, length);
  return message as StoredMessage;
}

function decode(body: Uint8Array | null, format: MessageFormat, options: MessageBatchLimits | undefined): (Message | StoredMessage)[] {
  const limits = limitsOf(options);
  if (!(body instanceof Uint8Array)) throw new BadRequestError('body', 'a message batch is required');
  if (body.byteLength > messageBatchBytesMax) throw new MessageLimitError('body', 'messageBatchBytesMax', `${body.byteLength} bytes is over messageBatchBytesMax ${messageBatchBytesMax}`);
  const reader = new Reader(body);
  const found = reader.byte('body');
  if (found !== format) {
    const expected = format === MessageFormat.Sent ? 'messages as sent (0x01)' : 'messages as stored (0x02)';
    throw new BadRequestError('body', `format 0x${found.toString(16)} is not ${expected}`);
  }
  const count = reader.varint('body.messages');
  if (count === 0) throw new BadRequestError('body.messages', 'a batch holds at least one message');
  checkCount('body.messages', count, limits.batchMessagesMax, 'batchMessagesMax');
  const messages: (Message | StoredMessage)[] = [];
  for (let index = 0; index < count; index += 1) messages.push(read(reader, index, format, limits));
  if (!reader.done) throw new BadRequestError('body', 'bytes after the last message');
  return messages;
}

/**
 * Decodes the body of a SendMessage (pass `{ batchMessagesMax: 1 }`) or
 * SendBatchMessage. Bodies are views into `body`, not copies. Throws only
 * BadRequestError (MessageLimitError over a limit), naming the field.
 */
export function decodeMessageBatch(body: Uint8Array | null, limits?: MessageBatchLimits): Message[] {
  return decode(body, MessageFormat.Sent, limits);
}

/** Decodes the body of a pull's or a query's answer; errors as decodeMessageBatch. */
export function decodeStoredMessageBatch(body: Uint8Array | null, limits?: MessageBatchLimits): StoredMessage[] {
  return decode(body, MessageFormat.Stored, limits) as StoredMessage[];
}
