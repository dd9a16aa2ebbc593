import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DELETE_EVENT_LUA, DELETE_GROUP_LUA, DELETE_TOPIC_LUA, GROUPS_LUA, RESET_GROUP_LUA, SET_RETENTION_LUA, START_LUA, TOPIC_INFO_LUA } from './lua/admin.js';
import { APPEND_LUA } from './lua/append.js';
import { FETCH_LUA } from './lua/fetch.js';
import { GROUP_LUA } from './lua/group.js';
import { REQUEUE_LUA } from './lua/requeue.js';
import { RETENTION_LUA } from './lua/retention.js';
import { RUNS_LUA } from './lua/runs.js';
import { SETTLE_LUA } from './lua/settle.js';
import { TOPIC_LUA } from './lua/topic.js';

/** A Lua script run by its SHA1 (EVALSHA), sent whole once when the server does not know it yet. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, stream: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 1, stream, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, 1, stream, ...args);
    }
  }
}

// A shebang makes Redis check the script's flags before running it: a writing script is refused
// whole when the server is out of memory, never stopped half way; `no-writes` ones may run on replicas.
const writing = (...parts: string[]): LuaScript => new LuaScript(['#!lua', TOPIC_LUA, ...parts].join('\n'));
const reading = (...parts: string[]): LuaScript => new LuaScript(['#!lua flags=no-writes', TOPIC_LUA, ...parts].join('\n'));

export const SCRIPTS = {
  append: writing(APPEND_LUA),
  fetch: writing(GROUP_LUA, RUNS_LUA, FETCH_LUA),
  settle: writing(GROUP_LUA, RUNS_LUA, SETTLE_LUA),
  requeue: writing(GROUP_LUA, REQUEUE_LUA),
  resetGroup: writing(GROUP_LUA, RESET_GROUP_LUA),
  deleteGroup: writing(GROUP_LUA, DELETE_GROUP_LUA),
  setRetention: writing(SET_RETENTION_LUA),
  retention: writing(RETENTION_LUA),
  deleteEvent: writing(DELETE_EVENT_LUA),
  deleteTopic: writing(DELETE_TOPIC_LUA),
  start: reading(START_LUA),
  topicInfo: reading(TOPIC_INFO_LUA),
  groups: reading(GROUPS_LUA),
} as const;
