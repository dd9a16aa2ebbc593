export { MemoryLog, type MemoryLogOptions } from './memory-log.js';
