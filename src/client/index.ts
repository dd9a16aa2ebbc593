export { RemoteLog, connectRemoteLog, type RemoteLogOptions } from './remote-log.js';
export { errorFromBody } from './http.js';
export * from './wire.js';
