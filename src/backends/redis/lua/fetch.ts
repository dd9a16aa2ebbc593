/**
 * Leases up to `max` items of a group to a new consumer `L<leaseId>`. ARGV: group, now, max,
 * leaseMs, fromKind, fromValue (where a missing group starts).
 *
 * First what the group already has and that is visible now: keyless items from `dn`, keys from
 * `dk` (a key goes out from its oldest item, as many visible items in a row as there is room for;
 * expired leases of the key's previous holder are revoked). Then new entries with XREADGROUP: an
 * entry whose key has items the group holds elsewhere is parked (owner `waiting`, no attempt);
 * parking stops after max * 8 entries (4096 at most), so one script run stays short.
 * Returns {leaseId, leaseUntil, {position, attempt, appendedAt, json, lastError, ...} of
 * redeliveries, {position, appendedAt, json, ...} of new entries}.
 */
export const FETCH_LUA = String.raw`
local now, max, leaseMs = clock(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local leaseId = redis.call('HINCRBY', META, 'lease', 1)
local C = 'L' .. int(leaseId)
if not hasGroup(C) then
  createGroup(ARGV[5], ARGV[6])
  redis.call('XGROUP', 'CREATECONSUMER', S, G, C)
end
local leaseUntil = now + leaseMs
local room = max
local out = {}
local previous = {}
local takenOfKey = {}
local gone = {}
-- The answer, flat: position, attempt, appendedAt, json, lastError per redelivery (no table
-- each); position, appendedAt, json per new entry (attempt 1, no error: two values fewer to send).
local fresh = {}
local function emit(pos, attempt, at, json, err)
  local n = #out
  out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5] = pos, attempt, at, json, err
end
-- New keyless deliveries: a run of this lease (ru), their entries in the PEL only.
local runTaken = 0

-- Leases the pending item at pos to C; false when its event no longer exists.
local function take(pos, key)
  local stream, id = locate(pos)
  local owner, count = pending(stream, id)
  local claimed = nil
  if owner then claimed = redis.call('XCLAIM', stream, G, C, 0, id, 'RETRYCOUNT', count + 1)[1] end
  if not claimed then
    local ends = visibleAt(pos, key)
    if owner then redis.call('XACK', stream, G, id) end
    forget(pos, key)
    if owner and key then holderChange(key, owner, ends, nil) end
    if key then gone[key] = true end
    return false
  end
  if owner ~= C then previous[owner] = true end
  redis.call('ZADD', visKey(key), leaseUntil, int(pos))
  local f = fields(claimed[2])
  emit(pos, count + 1, f.at or int(now), f.e, redis.call('HGET', K.err, int(pos)) or '')
  room = room - 1
  if key then takenOfKey[key] = (takenOfKey[key] or 0) + 1 end
  return true
end

-- C now holds key, up to position last.
local function hold(key, last)
  local n = takenOfKey[key]
  saveHolder(key, { c = C, last = last, n = n, ends = leaseUntil, atEnds = n })
  redis.call('ZADD', K.dk, leaseUntil, key)
end

-- Takes the key's visible items from its oldest on, unless a valid lease holds the key.
local function takeKey(key)
  local h = holderOf(key)
  if h and h.ends > now then redis.call('ZADD', K.dk, h.ends, key) return end
  local lastTaken, after = nil, nil
  while room > 0 do
    local batch = itemsOfKey(key, after, nil, room)
    if #batch == 0 then break end
    local stop = false
    for _, p in ipairs(batch) do
      after = p
      if room == 0 or visibleAt(p, key) > now then stop = true break end
      if take(p, key) then lastTaken = p end
    end
    if stop then break end
  end
  if not lastTaken then recompute(key) return end
  -- The expired holder keeps nothing of the key: its late settlements must not land before ours.
  if h and h.c ~= C then
    for _, p in ipairs(itemsOfKey(key, lastTaken, h.last)) do
      local stream, id = locate(p)
      if pending(stream, id) == h.c then redis.call('XCLAIM', stream, G, WAIT, 0, id, 'JUSTID') end
    end
    previous[h.c] = true
  end
  hold(key, lastTaken)
end

-- 1. What the group holds that is visible now, oldest position first (ended runs' entries included).
explodeRuns(now)
local candidates = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', K.dn, '-inf', now, 'LIMIT', 0, max)) do
  candidates[#candidates + 1] = { tonumber(p), false }
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', K.dk, '-inf', now, 'LIMIT', 0, max)) do
  local first = itemsOfKey(key, nil, nil, 1)[1]
  if first then candidates[#candidates + 1] = { first, key } else recompute(key) end
end
table.sort(candidates, function(a, b) return a[1] < b[1] end)
for _, c in ipairs(candidates) do
  if room == 0 then break end
  if c[2] then takeKey(c[2]) else take(c[1], nil) end
end

-- 2. New entries from the stream.
local free = {}
local parked = 0
while room > 0 and parked < math.min(max * 8, 4096) do
  local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT', room, 'STREAMS', S, '>')
  local entries = r and r[1] and r[1][2]
  if not entries or #entries == 0 then break end
  for _, e in ipairs(entries) do
    local p, at, key, json = posOf(e[1]), entryFields(e[2])
    if redrives and redis.call('HEXISTS', K.rdp, int(p)) == 1 then
      redis.call('XACK', S, G, e[1]) -- the group already has this position as a redriven event
    else
      if key then
        if free[key] == nil then free[key] = countOfKey(key) == (takenOfKey[key] or 0) end
        redis.call('ZADD', K.kp, 0, kpMember(key, p))
        redis.call('HSET', K.ik, int(p), key)
      end
      if key and not free[key] then
        redis.call('XCLAIM', S, G, WAIT, 0, e[1], 'RETRYCOUNT', 0, 'JUSTID')
        parked = parked + 1
      else
        if key then redis.call('ZADD', K.vis, leaseUntil, int(p))
        else runTaken = runTaken + 1 end
        local n = #fresh
        fresh[n + 1], fresh[n + 2], fresh[n + 3] = p, at, json
        room = room - 1
        if key then
          takenOfKey[key] = (takenOfKey[key] or 0) + 1
          hold(key, p)
        end
      end
    end
  end
end

if runTaken > 0 then redis.call('ZADD', K.ru, leaseUntil, C) end
for key in pairs(gone) do if not takenOfKey[key] then recompute(key) end end
for owner in pairs(previous) do dropIfEmpty(owner) end
if #out == 0 and #fresh == 0 then dropIfEmpty(C) end
return { leaseId, int(leaseUntil), out, fresh }
`;
