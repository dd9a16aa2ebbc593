/** Small scripts for reads and administration of one topic (KEYS[1] = its stream). */
import { GROUP_KEYS_LUA } from './group.js';

/** ARGV: kind, value. Returns where a read from that start point begins. */
export const START_LUA = String.raw`
return startOf(ARGV[1], ARGV[2])
`;

/** Returns {} for a topic never written, else {head, first, count, maxAgeMs or '', maxCount or ''}. */
export const TOPIC_INFO_LUA = String.raw`
if not topicExists() then return {} end
local r = redis.call('HMGET', META, 'maxAgeMs', 'maxCount')
return { head(), firstPos(), redis.call('XLEN', S), r[1] or '', r[2] or '' }
`;

/** ARGV: maxAgeMs, maxCount ('' to clear each). */
export const SET_RETENTION_LUA = String.raw`
redis.call('HSETNX', META, 'head', 0)
for i, field in ipairs({ 'maxAgeMs', 'maxCount' }) do
  if ARGV[i] == '' then redis.call('HDEL', META, field) else redis.call('HSET', META, field, ARGV[i]) end
end
return 1
`;

/** ARGV: position. Removes the event and its id; 1 when it existed. */
export const DELETE_EVENT_LUA = String.raw`
local r = redis.call('XRANGE', S, eid(ARGV[1]), eid(ARGV[1]))[1]
if not r then return 0 end
redis.call('HDEL', IDS, fields(r[2]).id)
return redis.call('XDEL', S, r[1])
`;

/** Returns {head, {group, cursor, pending}...}: cursor is the position after the last delivered. */
export const GROUPS_LUA = String.raw`
local out = { head(), {} }
if redis.call('EXISTS', S) == 0 then return out end
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', S)) do
  local g = fields(flat)
  local redrives = S .. ':g:' .. g.name .. ':rd'
  local count = tonumber(g.pending) + redis.call('XLEN', redrives)
  table.insert(out[2], { g.name, posOf(g['last-delivered-id']) + 1, count })
end
return out
`;

/** (With GROUP_LUA.) ARGV: group, kind, value. Drops the group's state and starts it again there. */
export const RESET_GROUP_LUA = String.raw`
dropGroup()
createGroup(ARGV[2], ARGV[3])
return 1
`;

/** (With GROUP_LUA.) ARGV: group. */
export const DELETE_GROUP_LUA = String.raw`
dropGroup()
return 1
`;

/**
 * Deletes the topic: its stream (and with it every consumer group), each group's state, the
 * meta hash (but its lease counter) and the id index, at once. 1 when there was a topic. The name stays in the registry
 * (other processes cache that they registered it); listings skip names without a topic.
 */
export const DELETE_TOPIC_LUA = String.raw`
${GROUP_KEYS_LUA}
if not topicExists() then return 0 end
if redis.call('EXISTS', S) == 1 then
  for _, flat in ipairs(redis.call('XINFO', 'GROUPS', S)) do
    local GB = S .. ':g:' .. fields(flat).name .. ':'
    for _, name in ipairs(GROUP_KEYS) do redis.call('DEL', GB .. name) end
  end
end
-- The lease counter stays: lease ids fence late settlements, and positions start again from 1.
local lease = redis.call('HGET', META, 'lease')
redis.call('DEL', S, META, IDS)
if lease then redis.call('HSET', META, 'lease', lease) end
return 1
`;
