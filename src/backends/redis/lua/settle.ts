/**
 * Applies settlements, each only if its lease still owns the entry (the PEL owner is the lease's
 * consumer): otherwise 'stale' and nothing changes. ARGV: group, now, the settlements (one
 * argument: thousands of small ones cost the client more than the script), either as one JSON
 * array of [kind, position, leaseId, ms (delay or lease), error JSON ('' for none)] or, when all
 * are acks, as 'A' then runs of '<leaseId>:<position>,<position>...;' in settlement order (no
 * table per settlement to decode). Returns one letter per settlement: 'o' ok, 's' stale.
 */
export const SETTLE_LUA = String.raw`
-- The settlements, as parallel lists: kind, position (number and text), lease id (text), ms, error.
local kinds, positions, posText, leases, mss, errs = {}, {}, {}, {}, {}, {}
if string.sub(ARGV[3], 1, 1) == 'A' then
  for lease, list in string.gmatch(ARGV[3], '(%d+):([%d,]+)') do
    for p in string.gmatch(list, '%d+') do
      local k = #kinds + 1
      kinds[k], positions[k], posText[k], leases[k], mss[k], errs[k] = 'ack', tonumber(p), p, lease, 0, ''
    end
  end
else
  for k, s in ipairs(cjson.decode(ARGV[3])) do
    kinds[k], positions[k], posText[k], leases[k], mss[k], errs[k] = s[1], s[2], int(s[2]), int(s[3]), s[4], s[5]
  end
end
local n = #kinds
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
  if kinds[i] ~= 'ack' then fast = false break end
end
local done = {}
if fast then
  local byLease = {}
  for i = 1, n do
    local c = 'L' .. leases[i]
    byLease[c] = byLease[c] or {}
    table.insert(byLease[c], i)
  end
  for c, items in pairs(byLease) do
    local lo, hi = math.huge, 0
    for _, i in ipairs(items) do
      local pos = positions[i]
      if pos < lo then lo = pos end
      if pos > hi then hi = pos end
    end
    local owned = {}
    for _, e in ipairs(redis.call('XPENDING', S, G, eid(lo), eid(hi), hi - lo + 1, c)) do owned[e[1]] = true end
    local texts = {}
    for _, i in ipairs(items) do texts[#texts + 1] = posText[i] end
    local keys = keysAt(texts)
    local ids, gone = {}, {}
    for j, i in ipairs(items) do
      local id = texts[j] .. '-0'
      if not keys[j] then
        if owned[id] then
          owned[id] = nil -- a second ack of it in this call is stale
          ids[#ids + 1] = id
          gone[#gone + 1] = texts[j]
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
  local kind, pos, c, ms, err = kinds[i], positions[i], 'L' .. leases[i], math.ceil(mss[i]), errs[i]
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
