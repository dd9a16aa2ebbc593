export { evolveAll, type Decider, type DomainEvent, type EventOf } from './decider.js';
export { toCloudEvents, toDomainEvent, type EventEnvelope } from './decider-events.js';
export {
  commandHandler, handleCommand, loadState,
  type CommandHandler, type CommandHandlerOptions, type CommandResult, type LoadedState,
} from './command-handler.js';
export { type SnapshotOptions } from './snapshot.js';
export { EventContracts, readAll, readStream, type WithContracts } from './upcast.js';
export { DeciderSpecification, type Given, type Then, type When } from './testing.js';
