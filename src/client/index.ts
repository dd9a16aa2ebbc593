export { RemoteLog, connectRemoteLog, type RemoteLogOptions } from './remote-log.js';
export { RemoteStreams } from './remote-streams.js';
export { errorFromBody } from './http.js';
export * from './wire.js';
export { RemoteKeys, type RemoteKeysOptions, type NewKey } from './keys.js';
