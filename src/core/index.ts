export * from './errors.js';
export * from './envelope.js';
export * from './ids.js';
export * from './contract.js';
export * from './duration.js';
export * from './clock.js';
export * from './canonical-json.js';
