/**
 * Applies settlements, each only if its lease still owns the entry (the PEL owner is the lease's
 * consumer): otherwise 'stale' and nothing changes. ARGV: group, now, then per settlement: kind,
 * position, leaseId, ms (delay or lease), error JSON ('' for none).
 */
export const SETTLE_LUA = String.raw`
local n = (#ARGV - 2) / 5
local out = {}
if not hasGroup(WAIT) then
  for i = 1, n do out[i] = 'stale' end
  return out
end
local now = clock(ARGV[2])
local dirty, owners = {}, {}
for i = 1, n do
  local b = 3 + (i - 1) * 5
  local kind, pos, c, ms, err = ARGV[b], tonumber(ARGV[b + 1]), 'L' .. ARGV[b + 2], math.ceil(tonumber(ARGV[b + 3])), ARGV[b + 4]
  local stream, id = locate(pos)
  local owner, count = pending(stream, id)
  if owner ~= c then
    out[i] = 'stale'
  else
    local key = keyAt(pos)
    local ends = key and visibleAt(pos, key)
    local to = nil
    if kind == 'ack' then
      redis.call('XACK', stream, G, id)
      forget(pos, key)
    elseif kind == 'nack' then
      redis.call('XCLAIM', stream, G, WAIT, 0, id, 'JUSTID')
      redis.call('ZADD', visKey(key), now + ms, int(pos))
      if err ~= '' then redis.call('HSET', K.err, int(pos), err) end
    elseif kind == 'release' then
      redis.call('XCLAIM', stream, G, WAIT, 0, id, 'RETRYCOUNT', math.max(count - 1, 0), 'JUSTID')
      redis.call('ZADD', visKey(key), now, int(pos))
    else
      to = now + ms
      redis.call('XCLAIM', stream, G, c, 0, id, 'JUSTID')
      redis.call('ZADD', visKey(key), to, int(pos))
    end
    if key then
      holderChange(key, c, ends, to)
      dirty[key] = true
    end
    owners[c] = true
    out[i] = 'ok'
  end
end
for key in pairs(dirty) do recompute(key) end
for c in pairs(owners) do dropIfEmpty(c) end
return out
`;
