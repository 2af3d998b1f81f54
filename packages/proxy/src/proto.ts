import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ProtoLoadError } from './errors.js';

/** The service file inside the published client's `proto` directory. */
const serviceProtoPath = 'apache/rocketmq/v2/service.proto';

/**
 * How the decoded messages look to the handlers: field names in camelCase,
 * enums as their names ('OK', 'NORMAL'), 64-bit integers as numbers (queue
 * offsets stay far below 2^53), every field present with its default, and a
 * oneof's chosen case named in a field of the oneof's name.
 */
export const protoLoaderOptions: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/**
 * The RocketMQ 5 protocol's definitions, as the published Node.js client
 * ships them (its `proto` directory): read, never copied into this project.
 */
export function rocketmqProtoDirectory(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');
  } catch (error) {
    throw new ProtoLoadError('the rocketmq-client-nodejs package, whose proto files define the protocol, is not installed', { cause: error });
  }
}

/** apache.rocketmq.v2.MessagingService, ready for grpc.Server.addService. */
export function loadMessagingService(): grpc.ServiceDefinition {
  const directory = rocketmqProtoDirectory();
  let definition: protoLoader.PackageDefinition;
  try {
    definition = protoLoader.loadSync(serviceProtoPath, { ...protoLoaderOptions, includeDirs: [directory] });
  } catch (error) {
    throw new ProtoLoadError(`cannot load ${serviceProtoPath} from ${directory}: ${(error as Error).message}`, { cause: error });
  }
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { apache: { rocketmq: { v2: { MessagingService: { service: grpc.ServiceDefinition } } } } };
  return loaded.apache.rocketmq.v2.MessagingService.service;
}
