/**
 * Applies settlements, each only if its lease still owns the entry (the PEL owner is the lease's
 * consumer): otherwise 'stale' and nothing changes. ARGV: group, now, the settlements as one JSON
 * array of [kind, position, leaseId, ms (delay or lease), error JSON ('' for none)]. Returns one
 * letter per settlement: 'o' ok, 's' stale.
 */
export const SETTLE_LUA = String.raw`
-- One JSON array of [kind, position, leaseId, ms, error JSON or ''] (one argument: thousands of
-- small ones cost the client more than the script).
local list = cjson.decode(ARGV[3])
local n = #list
local out = {}
if not hasGroup(WAIT) then
  return string.rep('s', n)
end
local now = clock(ARGV[2])
local dirty, owners = {}, {}

-- Acks of keyless items with no redriven ones in the group (what a consumer mostly sends): per
-- lease, its pending entries in the range are read once and the acks applied with one call per
-- structure, instead of five calls per ack. Keyed items go the way below (their key's holder).
local fast = not redrives
for i = 1, n do
  if list[i][1] ~= 'ack' then fast = false break end
end
local done = {}
if fast then
  local byLease = {}
  for i = 1, n do
    local c = 'L' .. int(list[i][3])
    byLease[c] = byLease[c] or {}
    table.insert(byLease[c], i)
  end
  for c, items in pairs(byLease) do
    local lo, hi = math.huge, 0
    for _, i in ipairs(items) do
      local pos = list[i][2]
      if pos < lo then lo = pos end
      if pos > hi then hi = pos end
    end
    local owned = {}
    for _, e in ipairs(redis.call('XPENDING', S, G, eid(lo), eid(hi), hi - lo + 1, c)) do owned[e[1]] = true end
    local positions = {}
    for _, i in ipairs(items) do positions[#positions + 1] = int(list[i][2]) end
    local keys = keysAt(positions)
    local ids, gone = {}, {}
    for j, i in ipairs(items) do
      local id = eid(tonumber(positions[j]))
      if not keys[j] then
        if owned[id] then
          owned[id] = nil -- a second ack of it in this call is stale
          ids[#ids + 1] = id
          gone[#gone + 1] = positions[j]
          out[i] = 'o'
          owners[c] = true
        else
          out[i] = 's'
        end
        done[i] = true
      end
    end
    if #ids > 0 then
      bulk('XACK', { S, G }, ids)
      -- Run members are in no dn; items that are (expired runs, retries) are found there.
      if redis.call('EXISTS', K.dn) == 1 then bulk('ZREM', { K.dn }, gone) end
      if redis.call('EXISTS', K.err) == 1 then bulk('HDEL', { K.err }, gone) end
    end
  end
end

for i = 1, n do if not done[i] then
  local kind, pos, c, ms, err = list[i][1], list[i][2], 'L' .. int(list[i][3]), math.ceil(list[i][4]), list[i][5]
  local stream, id = locate(pos)
  local owner, count = pending(stream, id)
  if owner ~= c then
    out[i] = 's'
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
    out[i] = 'o'
  end
end end
for key in pairs(dirty) do recompute(key) end
for c in pairs(owners) do dropIfEmpty(c) end
return table.concat(out)
`;
