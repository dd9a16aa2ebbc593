/**
 * Appends a batch atomically. ARGV: now, then per event: id, key ('' or '#' .. key), JSON.
 * Known ids (in the topic, or earlier in the batch) get their first receipt back and write
 * nothing. Reads come first and the XADDs before any other write, so a failure (the only one
 * possible is an id below the stream's top) leaves nothing behind. Returns {first position,
 * appendedAt} when every event was new (the usual case: nothing to send per event), else, flat,
 * per event: position, appendedAt, duplicate 0|1.
 */
export const APPEND_LUA = String.raw`
local now = clock(ARGV[1])
local last = tonumber(redis.call('HGET', META, 'at')) or 0
if now < last then now = last end
local at = int(now)
local h = head()
local receipts, inBatch, idPairs = {}, {}, {}
local n = (#ARGV - 1) / 3
for i = 1, n do
  local b = 2 + (i - 1) * 3
  local id, key, json = ARGV[b], ARGV[b + 1], ARGV[b + 2]
  local known = inBatch[id]
  local stored = nil
  if not known then
    local p = redis.call('HGET', IDS, id)
    if p then stored = redis.call('XRANGE', S, eid(p), eid(p))[1] end
  end
  local r = 3 * i
  if known then
    receipts[r - 2], receipts[r - 1], receipts[r] = known, at, 1
  elseif stored then
    receipts[r - 2], receipts[r - 1], receipts[r] = posOf(stored[1]), fields(stored[2]).at, 1
  else
    h = h + 1
    inBatch[id] = h
    local sh = int(h)
    if key == '' then
      redis.call('XADD', S, sh .. '-0', 'at', at, 'id', id, 'e', json)
    else
      redis.call('XADD', S, sh .. '-0', 'at', at, 'id', id, 'k', string.sub(key, 2), 'e', json)
    end
    local n = #idPairs
    idPairs[n + 1], idPairs[n + 2] = id, sh
    receipts[r - 2], receipts[r - 1], receipts[r] = h, at, 0
  end
end
if #idPairs > 0 then
  for i = 1, #idPairs, 1000 do
    redis.call('HSET', IDS, unpack(idPairs, i, math.min(i + 999, #idPairs)))
  end
  redis.call('HSET', META, 'head', int(h), 'at', at)
  redis.call('PUBLISH', S .. ':n', int(h))
end
-- Every event new: the first position and the time say it all (the others follow the first).
if #idPairs == 2 * n then return { h - n + 1, at } end
return receipts
`;
