import * as grpc from '@grpc/grpc-js';
import { loadMessagingService } from '@raftmq/proxy';

/** How long one call may take before the test gives up on it. */
const callTimeoutMs = 15_000;
/** What the raw client lets itself send: far past the proxy's own limits, so they are what is tested, not the client's. */
const rawMessageBytesMax = 64 * 1024 * 1024;

/** The protocol's Status, as the proto loader decodes it (enum names as strings). */
export interface WireStatus {
  readonly code: string;
  readonly message: string;
}

/**
 * apache.rocketmq.v2.MessagingService spoken directly, without the official
 * client's own checks in front: requests are plain objects as the proto
 * loader encodes them (camelCase fields, enum names), so a test can send
 * what no well-behaved client would.
 */
export class RawMessagingClient {
  private readonly service = loadMessagingService();
  private readonly client: grpc.Client;

  constructor(
    address: string,
    private readonly clientId: string,
  ) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': rawMessageBytesMax, 'grpc.max_receive_message_length': rawMessageBytesMax });
  }

  /** One unary call; rejects with the gRPC error when the call itself fails (not when its Status says no). */
  unary<Response>(method: string, request: Record<string, unknown>): Promise<Response> {
    const definition = this.method(method);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(definition.path, definition.requestSerialize, definition.responseDeserialize, request, this.metadata(), { deadline: Date.now() + callTimeoutMs }, (error, response) => {
        if (error !== null) reject(error);
        else resolve(response as Response);
      });
    });
  }

  /** One server-streaming call (ReceiveMessage), every response it wrote; the call's deadline is `timeoutMs` away. */
  serverStream<Response>(method: string, request: Record<string, unknown>, timeoutMs = callTimeoutMs): Promise<Response[]> {
    const definition = this.method(method);
    return new Promise((resolve, reject) => {
      const responses: Response[] = [];
      const call = this.client.makeServerStreamRequest(definition.path, definition.requestSerialize, definition.responseDeserialize, request, this.metadata(), { deadline: Date.now() + timeoutMs });
      call.on('data', (response: Response) => responses.push(response));
      call.on('error', reject);
      call.on('end', () => resolve(responses));
    });
  }

  close(): void {
    this.client.close();
  }

  private method(name: string): grpc.MethodDefinition<unknown, unknown> {
    const definition = this.service[name];
    if (definition === undefined) throw new Error(`MessagingService has no method ${name}`);
    return definition;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('x-mq-client-id', this.clientId);
    return metadata;
  }
}

/** One response of a ReceiveMessage stream; `content` names the oneof's case. */
export interface WireReceiveResponse {
  readonly content: 'status' | 'message' | 'deliveryTimestamp';
  readonly status: WireStatus | null;
  readonly message: { readonly body: Buffer; readonly systemProperties: { readonly deliveryAttempt: number; readonly receiptHandle: string } } | null;
}

/** The Status a ReceiveMessage stream ended with. */
export function streamStatus(responses: readonly WireReceiveResponse[]): WireStatus | undefined {
  return responses.filter((response) => response.content === 'status').at(-1)?.status ?? undefined;
}
