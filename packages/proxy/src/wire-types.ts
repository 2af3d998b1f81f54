/**
 * The protocol's messages as the proto loader hands them to the handlers
 * and takes them back (proto.ts's options: camelCase fields, enums by name,
 * 64-bit integers as numbers, defaults filled in). Only what the proxy
 * reads or writes is named; the field numbers live in the published .proto
 * files, never here.
 */

/** google.protobuf.Timestamp and Duration. */
export interface Timestamp {
  readonly seconds: number | string;
  readonly nanos: number;
}
export type Duration = Timestamp;

/** apache.rocketmq.v2.Code, by name. */
export type Code =
  | 'OK'
  | 'MULTIPLE_RESULTS'
  | 'BAD_REQUEST'
  | 'ILLEGAL_TOPIC'
  | 'ILLEGAL_CONSUMER_GROUP'
  | 'ILLEGAL_MESSAGE_TAG'
  | 'ILLEGAL_MESSAGE_KEY'
  | 'ILLEGAL_MESSAGE_GROUP'
  | 'ILLEGAL_MESSAGE_PROPERTY_KEY'
  | 'INVALID_TRANSACTION_ID'
  | 'ILLEGAL_MESSAGE_ID'
  | 'ILLEGAL_FILTER_EXPRESSION'
  | 'ILLEGAL_INVISIBLE_TIME'
  | 'ILLEGAL_DELIVERY_TIME'
  | 'INVALID_RECEIPT_HANDLE'
  | 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE'
  | 'UNRECOGNIZED_CLIENT_TYPE'
  | 'MESSAGE_CORRUPTED'
  | 'CLIENT_ID_REQUIRED'
  | 'ILLEGAL_POLLING_TIME'
  | 'ILLEGAL_OFFSET'
  | 'NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'TOPIC_NOT_FOUND'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'OFFSET_NOT_FOUND'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'MESSAGE_BODY_TOO_LARGE'
  | 'MESSAGE_BODY_EMPTY'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  | 'MESSAGE_PROPERTIES_TOO_LARGE'
  | 'INTERNAL_ERROR'
  | 'INTERNAL_SERVER_ERROR'
  | 'HA_NOT_AVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'PROXY_TIMEOUT'
  | 'MASTER_PERSISTENCE_TIMEOUT'
  | 'SLAVE_PERSISTENCE_TIMEOUT'
  | 'UNSUPPORTED'
  | 'VERSION_UNSUPPORTED'
  | 'VERIFY_FIFO_MESSAGE_UNSUPPORTED'
  | 'FAILED_TO_CONSUME_MESSAGE';

export interface Status {
  readonly code: Code;
  readonly message: string;
}

export interface Resource {
  readonly resourceNamespace: string;
  readonly name: string;
}

export type Permission = 'NONE' | 'READ' | 'WRITE' | 'READ_WRITE';
export type MessageType = 'MESSAGE_TYPE_UNSPECIFIED' | 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'LITE' | 'PRIORITY';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface Endpoints {
  readonly scheme: 'ADDRESS_SCHEME_UNSPECIFIED' | 'IPv4' | 'IPv6' | 'DOMAIN_NAME';
  readonly addresses: readonly Address[];
}

export interface Broker {
  readonly name: string;
  readonly id: number;
  readonly endpoints: Endpoints | null;
}

export interface MessageQueue {
  readonly topic: Resource | null;
  readonly id: number;
  readonly permission: Permission;
  readonly broker: Broker | null;
  readonly acceptMessageTypes: readonly MessageType[];
}

/** Optional fields the loader leaves out when unset are `undefined` or `null`. */
export interface SystemProperties {
  readonly tag?: string | null;
  readonly keys: readonly string[];
  readonly messageId: string;
  readonly messageType: MessageType;
  readonly bornTimestamp: Timestamp | null;
  readonly bornHost: string;
  readonly storeTimestamp?: Timestamp | null;
  readonly storeHost?: string;
  readonly deliveryTimestamp?: Timestamp | null;
  readonly receiptHandle?: string | null;
  readonly queueId: number;
  readonly queueOffset?: number | null;
  readonly invisibleDuration?: Duration | null;
  readonly deliveryAttempt?: number | null;
  readonly messageGroup?: string | null;
  readonly traceContext?: string | null;
  readonly orphanedTransactionRecoveryDuration?: Duration | null;
  readonly bodyEncoding?: 'ENCODING_UNSPECIFIED' | 'IDENTITY' | 'GZIP';
  readonly bodyDigest?: { readonly type: 'DIGEST_TYPE_UNSPECIFIED' | 'CRC32' | 'MD5' | 'SHA1'; readonly checksum: string } | null;
}

export interface Message {
  readonly topic: Resource | null;
  readonly userProperties: Readonly<Record<string, string>>;
  readonly systemProperties: SystemProperties | null;
  readonly body: Uint8Array;
}

/** apache.rocketmq.v2.RetryPolicy with its exponential strategy (the only one the Node.js client accepts). */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly exponentialBackoff?: { readonly initial: Duration; readonly max: Duration; readonly multiplier: number } | null;
  readonly customizedBackoff?: { readonly next: readonly Duration[] } | null;
  readonly strategy?: 'exponentialBackoff' | 'customizedBackoff';
}

export interface FilterExpression {
  readonly type: 'FILTER_TYPE_UNSPECIFIED' | 'TAG' | 'SQL';
  readonly expression: string;
}

export interface Publishing {
  readonly topics: readonly Resource[];
  readonly maxBodySize: number;
  readonly validateMessageType: boolean;
}

export interface Subscription {
  readonly group?: Resource | null;
  readonly subscriptions: readonly { readonly topic: Resource | null; readonly expression: FilterExpression | null }[];
  readonly fifo?: boolean;
  readonly receiveBatchSize?: number;
  readonly longPollingTimeout?: Duration | null;
}

/** apache.rocketmq.v2.Settings: what a client declares, and what the proxy answers it with. */
export interface Settings {
  readonly clientType?: string;
  readonly accessPoint?: Endpoints | null;
  readonly backoffPolicy?: RetryPolicy | null;
  readonly requestTimeout?: Duration | null;
  readonly publishing?: Publishing | null;
  readonly subscription?: Subscription | null;
  readonly pubSub?: 'publishing' | 'subscription';
  readonly userAgent?: { readonly language: string; readonly version: string; readonly platform: string; readonly hostname: string } | null;
  readonly metric?: { readonly on: boolean; readonly endpoints?: Endpoints | null } | null;
}

/** apache.rocketmq.v2.TelemetryCommand: `command` names the oneof's case. */
export interface TelemetryCommand {
  readonly status?: Status | null;
  readonly settings?: Settings | null;
  readonly recoverOrphanedTransactionCommand?: { readonly message: Message; readonly transactionId: string } | null;
  readonly command?: string;
}
