/**
 * Lua for the scripts that take and settle keyless items (with GROUP_LUA): bulk calls, the keys of
 * items, and lease runs (`ru`, see group.ts): a fetch's keyless new entries live in the PEL only,
 * under one `ru` member, until that lease ends.
 */
export const RUNS_LUA = String.raw`
-- Calls command with the fixed args, then list's items, at most 1000 items a call (Lua's stack).
local function bulk(command, fixed, list)
  for from = 1, #list, 1000 do
    local args = {}
    for _, a in ipairs(fixed) do args[#args + 1] = a end
    for j = from, math.min(from + 999, #list) do args[#args + 1] = list[j] end
    redis.call(command, unpack(args))
  end
end

-- The keys of the items at positions (strings), nil for keyless ones; none asked when the group has no keyed items.
local function keysAt(positions)
  local keys = {}
  if redis.call('EXISTS', K.ik) == 0 then return keys end
  for from = 1, #positions, 1000 do
    local part = redis.call('HMGET', K.ik, unpack(positions, from, math.min(from + 999, #positions)))
    for j = 1, #part do keys[from + j - 1] = part[j] end
  end
  return keys
end

-- Runs whose lease ended by now: their keyless entries still pending (owned by the run's consumer)
-- become dn items, visible since that end (NX: an entry whose lease was extended keeps its time).
local function explodeRuns(now)
  local ended = redis.call('ZRANGEBYSCORE', K.ru, '-inf', now, 'WITHSCORES')
  for i = 1, #ended, 2 do
    local c, ends = ended[i], ended[i + 1]
    local after = '-'
    repeat
      local page = redis.call('XPENDING', S, G, after, '+', 1000, c)
      local positions = {}
      for j, e in ipairs(page) do positions[j] = int(posOf(e[1])) end
      local keys = keysAt(positions)
      local add = {}
      for j, p in ipairs(positions) do
        if not keys[j] then add[#add + 1] = ends add[#add + 1] = p end
      end
      if #add > 0 then bulk('ZADD', { K.dn, 'NX' }, add) end
      if #page > 0 then after = '(' .. page[#page][1] end
    until #page < 1000
    redis.call('ZREM', K.ru, c)
  end
end
`;
