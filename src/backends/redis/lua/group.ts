/**
 * Lua shared by the scripts that work on one consumer group (ARGV[1] is its name). The group is a
 * Redis consumer group on the topic's stream: its last-delivered id is the group's cursor and its
 * pending entries list (PEL) says who holds what. Every fetch is its own consumer `L<leaseId>`, so
 * the owner of a pending entry *is* its lease (fencing), and its delivery count is the attempt
 * (set with XCLAIM ... RETRYCOUNT). Entries nobody holds (parked behind their key, waiting for a
 * retry, released) belong to the consumer `waiting`.
 *
 * Beside the PEL, per group (all under `<stream>:g:<group>:`):
 * - `rd`  a stream of redriven (requeued) events, with the same consumer group; `rdp` maps their
 *         position to the entry id there. A position is pending at most once, here or in the PEL.
 * - `dn`  keyless items: position -> visible-at (lease end, retry time, or 0); not the keyless new
 *         entries a fetch took, which are in the PEL only, under their lease's `ru` member.
 * - `ru`  lease runs: a fetch's consumer -> its lease end, when it took keyless new entries (one
 *         member per fetch instead of one `dn` member per entry, as SQLite's and PostgreSQL's
 *         lease runs); when that time is up, its entries still pending become `dn` items.
 * - `vis` keyed items that were handed out at least once: position -> visible-at.
 * - `ik`  position -> partition key, for keyed items.
 * - `kp`  every keyed item, ordered by key then position (lexicographic members).
 * - `kh`  key -> the one lease that may hold the key: '<consumer>|<last position it took>|<items it
 *         owns>|<latest lease end>|<items ending then>'.
 * - `dk`  key -> when the key can next be handed out (its holder's lease end, or its head's retry time).
 * - `err` position -> the last failure (JSON).
 */
/** The keys of a group's state (above), each `<stream>:g:<group>:<name>`; deleting a topic deletes them too (admin.ts). */
export const GROUP_KEYS_LUA = `local GROUP_KEYS = { ${['rd', 'rdp', 'dn', 'ru', 'vis', 'ik', 'kp', 'kh', 'dk', 'err'].map((k) => `'${k}'`).join(', ')} }`;

export const GROUP_LUA = String.raw`
${GROUP_KEYS_LUA}
local G = ARGV[1]
local GB = S .. ':g:' .. G .. ':'
local K = {}
for _, name in ipairs(GROUP_KEYS) do K[name] = GB .. name end
local WAIT = 'waiting'
-- Whether the group has redriven items at all (most groups never do): saves a lookup per item.
local redrives = redis.call('EXISTS', K.rdp) == 1
local ZEROS = '0000000000000000'
local NINES = '9999999999999999'

local function failed(reply) return type(reply) == 'table' and reply.err ~= nil end

-- True when the group exists (the probe also registers the consumer it names).
local function hasGroup(consumer) return not failed(redis.pcall('XGROUP', 'CREATECONSUMER', S, G, consumer)) end

-- Creates the group (and the stream) at a start point; the caller checked it does not exist.
local function createGroup(kind, value)
  redis.call('XGROUP', 'CREATE', S, G, eid(startOf(kind, value) - 1), 'MKSTREAM')
end

local function dropGroup()
  redis.pcall('XGROUP', 'DESTROY', S, G)
  for _, name in ipairs(GROUP_KEYS) do redis.call('DEL', K[name]) end
end

-- Where the group's item at pos lives: its redrive entry, or the topic's entry.
local function locate(pos)
  local rid = redrives and redis.call('HGET', K.rdp, int(pos))
  if rid then return K.rd, rid end
  return S, eid(pos)
end

-- Owner and delivery count of a pending entry (nil when not pending).
local function pending(stream, id)
  local r = redis.call('XPENDING', stream, G, id, id, 1)[1]
  if r then return r[2], tonumber(r[4]) end
end

local function keyAt(pos) return redis.call('HGET', K.ik, int(pos)) end
local function visKey(key) if key then return K.vis end return K.dn end
local function visibleAt(pos, key) return tonumber(redis.call('ZSCORE', visKey(key), int(pos))) or 0 end

local function kpPrefix(key) return string.format('%08x', #key) .. key end
local function kpMember(key, pos) return kpPrefix(key) .. string.format('%016d', pos) end
local function kpPos(member) return tonumber(string.sub(member, -16)) end

-- Positions of key's items from (exclusive) after up to (inclusive) to, at most limit of them.
local function itemsOfKey(key, after, to, limit)
  local pre = kpPrefix(key)
  local lo = '[' .. pre .. ZEROS
  if after then lo = '(' .. kpMember(key, after) end
  local hi = '[' .. pre .. NINES
  if to then hi = '[' .. kpMember(key, to) end
  local r
  if limit then r = redis.call('ZRANGEBYLEX', K.kp, lo, hi, 'LIMIT', 0, limit)
  else r = redis.call('ZRANGEBYLEX', K.kp, lo, hi) end
  local out = {}
  for i, m in ipairs(r) do out[i] = kpPos(m) end
  return out
end

local function countOfKey(key)
  local pre = kpPrefix(key)
  return redis.call('ZLEXCOUNT', K.kp, '[' .. pre .. ZEROS, '[' .. pre .. NINES)
end

-- The lease that holds key: its consumer c, the last position it took, how many of the key's
-- items it still owns (n), the latest end of their leases and how many end then. Counted, so
-- settling one item costs no walk over the others; nil when no lease owns any item of the key.
local function holderOf(key)
  local v = redis.call('HGET', K.kh, key)
  if not v then return nil end
  local c, last, n, ends, atEnds = string.match(v, '^(.*)|(%d+)|(%d+)|(%d+)|(%d+)$')
  return { c = c, last = tonumber(last), n = tonumber(n), ends = tonumber(ends), atEnds = tonumber(atEnds) }
end

local function saveHolder(key, h)
  if h.n <= 0 then redis.call('HDEL', K.kh, key) return end
  redis.call('HSET', K.kh, key, table.concat({ h.c, int(h.last), int(h.n), int(h.ends), int(h.atEnds) }, '|'))
end

-- Counts the holder's items again (only when the last of its items with the latest end went).
local function recount(key, h)
  h.n, h.ends, h.atEnds = 0, 0, 0
  for _, p in ipairs(itemsOfKey(key, nil, h.last)) do
    local stream, id = locate(p)
    if pending(stream, id) == h.c then
      local e = visibleAt(p, key)
      h.n = h.n + 1
      if e > h.ends then h.ends, h.atEnds = e, 1 elseif e == h.ends then h.atEnds = h.atEnds + 1 end
    end
  end
end

-- An item of key owned by lease c, whose lease ended at e, changes: it leaves c (settled,
-- requeued, gone) when to is nil, else its lease now ends at to.
local function holderChange(key, c, e, to)
  local h = holderOf(key)
  if not h or h.c ~= c then return end
  if e == h.ends then h.atEnds = h.atEnds - 1 end
  if to == nil then h.n = h.n - 1
  elseif to > h.ends then h.ends, h.atEnds = to, 1
  elseif to == h.ends then h.atEnds = h.atEnds + 1 end
  if h.n > 0 and h.atEnds <= 0 then recount(key, h) end
  saveHolder(key, h)
end

-- Stores when key can next be handed out; forgets the key when the group holds none of its items.
local function recompute(key)
  local first = itemsOfKey(key, nil, nil, 1)[1]
  if not first then
    redis.call('ZREM', K.dk, key)
    redis.call('HDEL', K.kh, key)
    return
  end
  local h = holderOf(key)
  local ends = 0
  if h then ends = h.ends end
  redis.call('ZADD', K.dk, math.max(visibleAt(first, key), ends), key)
end

-- Removes the group's bookkeeping of the item at pos (the caller settles its PEL entry).
local function forget(pos, key)
  local p = int(pos)
  redis.call('ZREM', visKey(key), p)
  if key then
    redis.call('ZREM', K.kp, kpMember(key, pos))
    redis.call('HDEL', K.ik, p)
  end
  redis.call('HDEL', K.err, p)
  local rid = redrives and redis.call('HGET', K.rdp, p)
  if rid then
    redis.call('XACK', K.rd, G, rid)
    redis.call('XDEL', K.rd, rid)
    redis.call('HDEL', K.rdp, p)
  end
end

-- Deletes a lease's consumer once it holds nothing (every fetch makes one), and its run.
local function dropIfEmpty(c)
  if c == WAIT then return end
  if redis.call('XPENDING', S, G, '-', '+', 1, c)[1] then return end
  local rdExists = redis.call('EXISTS', K.rd) == 1
  if rdExists and redis.call('XPENDING', K.rd, G, '-', '+', 1, c)[1] then return end
  redis.call('XGROUP', 'DELCONSUMER', S, G, c)
  if rdExists then redis.pcall('XGROUP', 'DELCONSUMER', K.rd, G, c) end
  redis.call('ZREM', K.ru, c)
end
`;
