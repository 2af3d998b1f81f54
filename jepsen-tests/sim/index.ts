export { deriveSeed, SeededRandom } from './random.js';
export { EventQueue } from './event-queue.js';
export type { SimulatedAction } from './event-queue.js';
export { TraceHash, hashBytes } from './trace.js';
export {
  Network,
  bridgePartition,
  cleanNetworkProfile,
  inboundCutPartition,
  isolatePartition,
  oneWayPartition,
  outboundCutPartition,
  ringPartition,
  splitPartition,
} from './network.js';
export type { NetworkProfile, Partition } from './network.js';
export { ValueStateMachine, encodeValue, decodeValue, nextDigest } from './state-machine.js';
export { InvariantChecker, Verdict, checkAcknowledgedValues } from './invariants.js';
export type { FinalReplica, InvariantName, LogView, Violation } from './invariants.js';
export { SimNode } from './sim-node.js';
export type { NodeHost, NodeState, SimNodeOptions } from './sim-node.js';
export { Workload } from './workload.js';
export type { WorkloadOptions, WorkloadStats } from './workload.js';
export { Operator } from './operator.js';
export {
  faultEventArbitrary,
  generateScenario,
  leaderFaultEventArbitrary,
  networkProfileArbitrary,
  partitionShapes,
  quietScenario,
  scenarioArbitrary,
} from './faults.js';
export type { FaultEvent, NodeSelector, PartitionShape, Scenario } from './faults.js';
export { Simulation, bootstrapStore, runSimulation, tickUs } from './simulation.js';
export type { SimulationOptions, SimulationResult } from './simulation.js';
export { ReplicaGroup } from './replica-group.js';
export type { GroupWorld, ReplicaGroupOptions } from './replica-group.js';
export { groupLetter, replicaGroupsMax, splitFaults } from './replica-groups.js';
export { emptySimulationStats } from './stats.js';
export type { SimulationStats } from './stats.js';
export { SimTransport } from './sim-transport.js';
export type { TransportWorld } from './sim-transport.js';
export { FaultInjector } from './fault-injector.js';
export { SelectiveLoss } from './selective-loss.js';
export { LeaderNemeses } from './leader-nemeses.js';
export type { ChurnWindow, CrashForAWhile, KillAfterCommitWindow, LeaderNemesisWorld } from './leader-nemeses.js';
export type { FaultWorld } from './fault-injector.js';
export { measureElectionTimes } from './election-stats.js';
export type { ElectionStats } from './election-stats.js';
export { describeFailure, replayCommand } from './replay.js';
export { nodesForSeed, runSeeds } from './seed-runner.js';
export type { NodesChoice, SeedRunOptions, SeedRunSummary } from './seed-runner.js';
export { percentile } from './election-stats.js';
export type { ElectionStatsOptions } from './election-stats.js';
export type { SimulatedClients, EndProblem } from './clients.js';
export type { SimulationWorkload } from './simulation.js';
export type { ReplicaMachine } from './state-machine.js';
export { BrokerWorkload, brokerName, clusterName, consumerGroups, topicName } from './broker/broker-workload.js';
export type { BrokerRunSummary } from './broker/broker-workload.js';
export type { BrokerUnsafeSwitches } from './broker/broker-unsafe.js';
export { BrokerChecker } from './broker/broker-checker.js';
export { brokerRetentionUs } from './broker/retention.js';
export type { AcknowledgedSend, QueueAddress } from './broker/broker-checker.js';
export { brokerNameOf } from './broker/broker-names.js';
export type { AcknowledgementRecord } from './broker/history.js';
export { BrokerMachine, brokerMachineFactory } from './broker/broker-machine.js';
export { SimNameServers } from './broker/name-servers.js';
export { UnfencedRouteTable } from './broker/unfenced-route-table.js';
export type { RouteTable } from './broker/unfenced-route-table.js';
export { identityText, messagesOfSend, parseIdentity } from './broker/message-identity.js';
export { SimSendCoalescer, sendTurnUsDefault } from './broker/send-coalescer.js';
export type { SendAnswer, SendFate } from './broker/send-coalescer.js';
export { storedSendsOf } from './broker/stored-sends.js';
export { ScheduledChecker } from './broker/scheduled-checker.js';
export type { ScheduledMessage } from './broker/scheduled-checker.js';
export { drawSchedule, scheduledDeliveryMs, simulatedDelayLevelsMs } from './broker/scheduled-delivery.js';
export type { ScheduleRequest } from './broker/scheduled-delivery.js';
export type { DeliveredMessage, Delivery } from './broker/deliveries.js';
