/**
 * One step of retention on a topic: removes up to ARGV[3] entries at or below the cut (by count:
 * head - maxCount; by age: appended before now - maxAgeMs), after position ARGV[2], except those a
 * group still has pending (its PEL keeps them). Ids go with their events (deduplication lasts as
 * long as the event is stored). While nothing before a chunk is kept, it goes with XTRIM MINID,
 * otherwise entry by entry with XDEL. ARGV: now, after, chunk.
 * Returns {removed, next after, done 0|1}.
 */
export const RETENTION_LUA = String.raw`
local now, after, chunk = clock(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local r = redis.call('HMGET', META, 'maxAgeMs', 'maxCount')
local maxAge, maxCount = tonumber(r[1]), tonumber(r[2])
local cut = 0
if maxCount then cut = head() - maxCount end
if maxAge then cut = math.max(cut, atTime(now - maxAge) - 1) end
if cut <= after then return { 0, after, 1 } end
local entries = redis.call('XRANGE', S, '(' .. eid(after), eid(cut), 'COUNT', chunk)
if #entries == 0 then return { 0, after, 1 } end
local lo, hi = posOf(entries[1][1]), posOf(entries[#entries][1])
local held = {}
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', S)) do
  local name = fields(flat).name
  for _, p in ipairs(redis.call('XPENDING', S, name, eid(lo), eid(hi), hi - lo + 1)) do held[p[1]] = true end
end
local trim = next(held) == nil and redis.call('XRANGE', S, '-', '+', 'COUNT', 1)[1][1] == entries[1][1]
local ids = {}
for _, e in ipairs(entries) do
  if not held[e[1]] then
    ids[#ids + 1] = fields(e[2]).id
    if not trim then redis.call('XDEL', S, e[1]) end
  end
end
if trim then redis.call('XTRIM', S, 'MINID', eid(hi + 1)) end
for i = 1, #ids, 1000 do redis.call('HDEL', IDS, unpack(ids, i, math.min(i + 999, #ids))) end
local done = 0
if #entries < chunk then done = 1 end
return { #ids, hi, done }
`;
