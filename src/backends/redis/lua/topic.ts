/**
 * Lua shared by every script: the topic's keys and its positions. KEYS[1] is the topic's stream
 * `<prefix>:t:{<topic>}`; every other key of the topic starts with it, so the hash tag puts them
 * all in one cluster slot and one script may touch them together.
 *
 * A stream entry's id is `<position>-0` (positions are herald's, contiguous per topic, counted in
 * the meta hash); its fields are `at` (append time, ms), `id` (event id), `k` (partition key, when
 * the event has one) and `e` (the event as JSON).
 */
export const TOPIC_LUA = String.raw`
local S = KEYS[1]
local META = S .. ':m'
local IDS = S .. ':ids'

-- '%.0f', not '%d': exact for every integer a double holds, where '%d' overflows past 2^63.
local function int(n) return string.format('%.0f', n) end
local function eid(pos) return int(pos) .. '-0' end
local function posOf(id) return tonumber(string.match(id, '^(%d+)')) end

local function fields(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end

-- An entry's append time, key (nil when none) and JSON, read by place: append writes the fields
-- as at, id, [k,] e (any other order is read by name).
local function entryFields(flat)
  if flat[1] == 'at' and flat[3] == 'id' then
    if flat[5] == 'e' then return flat[2], nil, flat[6] end
    if flat[5] == 'k' and flat[7] == 'e' then return flat[2], flat[6], flat[8] end
  end
  local f = fields(flat)
  return f.at, f.k, f.e
end

-- The caller's clock when it passed one (>= 0), otherwise the server's.
local function clock(arg)
  local n = tonumber(arg)
  if n and n >= 0 then return math.floor(n) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function head() return tonumber(redis.call('HGET', META, 'head')) or 0 end

-- Written to, grouped on or given a retention (the meta hash may hold only the lease counter).
local function topicExists() return redis.call('EXISTS', S) == 1 or redis.call('HEXISTS', META, 'head') == 1 end

local function firstPos()
  local r = redis.call('XRANGE', S, '-', '+', 'COUNT', 1)[1]
  if r then return posOf(r[1]) end
  return head() + 1
end

-- The first stored position >= pos and its fields (nil past the end).
local function entryFrom(pos)
  local r = redis.call('XRANGE', S, eid(pos), '+', 'COUNT', 1)[1]
  if r then return posOf(r[1]), fields(r[2]) end
end

-- The first position appended at or after time t (head + 1 when none): a binary search, as
-- append times never decrease along positions.
local function atTime(t)
  local lo, hi = firstPos(), head()
  local answer = hi + 1
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local p, f = entryFrom(mid)
    if p == nil or tonumber(f.at) >= t then
      answer = mid
      hi = mid - 1
    else
      lo = mid + 1
    end
  end
  return answer
end

-- Where a read or a new group starts: 'earliest' | 'latest' | 'position' n | 'time' ms.
local function startOf(kind, value)
  if kind == 'earliest' then return firstPos() end
  if kind == 'latest' then return head() + 1 end
  if kind == 'position' then return math.max(tonumber(value), firstPos()) end
  return atTime(tonumber(value))
end
`;
