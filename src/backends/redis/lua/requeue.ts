/**
 * Hands an event to one group again (dead-letter redrive): it goes to the group's redrive stream
 * `rd`, read at once into the PEL there as owned by `waiting` with no attempt counted, and is
 * fetched like any pending item. Whatever the group held at that position is dropped first.
 * ARGV: group, now, position, key ('' or '#' .. key), JSON. A missing group starts at earliest.
 */
export const REQUEUE_LUA = String.raw`
local pos, keyArg, json = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local key = nil
if keyArg ~= '' then key = string.sub(keyArg, 2) end
if not hasGroup(WAIT) then
  createGroup('earliest', '')
  redis.call('XGROUP', 'CREATECONSUMER', S, G, WAIT)
end
local oldKey = keyAt(pos)
local stream, id = locate(pos)
local owner = pending(stream, id)
local ends = visibleAt(pos, oldKey)
if owner then redis.call('XACK', stream, G, id) end
forget(pos, oldKey)
if owner and oldKey then holderChange(oldKey, owner, ends, nil) end
if redis.call('EXISTS', K.rd) == 0 then redis.call('XGROUP', 'CREATE', K.rd, G, '$', 'MKSTREAM') end
local rid = redis.call('XADD', K.rd, '*', 'p', int(pos), 'e', json)
redis.call('XREADGROUP', 'GROUP', G, WAIT, 'COUNT', 1, 'STREAMS', K.rd, '>')
redis.call('XCLAIM', K.rd, G, WAIT, 0, rid, 'RETRYCOUNT', 0, 'JUSTID')
redis.call('HSET', K.rdp, int(pos), rid)
redrives = true
if key then
  redis.call('HSET', K.ik, int(pos), key)
  redis.call('ZADD', K.kp, 0, kpMember(key, pos))
  redis.call('ZADD', K.vis, 0, int(pos))
  recompute(key)
else
  redis.call('ZADD', K.dn, 0, int(pos))
end
if oldKey and oldKey ~= key then recompute(oldKey) end
if owner then dropIfEmpty(owner) end
redis.call('PUBLISH', S .. ':n', 'requeue')
return 1
`;
