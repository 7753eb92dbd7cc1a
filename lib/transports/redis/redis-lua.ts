// Lua run inside Redis where a step must be atomic or would otherwise cost several round trips.
// Times come from the server clock (TIME), so instances with skewed clocks agree on due times
// and leases. Every key shares the prefix's hash tag, so keys computed inside a script (group
// streams named by a delayed member or a dead instance) are in the script's cluster slot.

const NOW_MS = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * KEYS: the group streams of each message in turn. ARGV: per message, its stream count, field
 * count and fields. Appends each message to those of its streams that exist; returns per message
 * how many, or {n, error} when its n-th stream refused it (its other streams and the rest of
 * the batch still go in).
 */
export const PUBLISH_BATCH = `local results, key, at = {}, 1, 1
while at <= #ARGV do
  local streams, count = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  local first, last = at + 2, at + 1 + count
  local result = 0
  for offset = 0, streams - 1 do
    local id = redis.pcall('XADD', KEYS[key + offset], 'NOMKSTREAM', '*', unpack(ARGV, first, last))
    -- A refusing stream (one wedged at the largest id) does not keep the message from the
    -- group streams after it: the first refusal is reported, the other groups still get it.
    if type(id) == 'table' and id.err then
      if type(result) ~= 'table' then result = {offset + 1, id.err} end
    elseif id and type(result) ~= 'table' then
      result = result + 1
    end
  end
  results[#results + 1] = result
  key, at = key + streams, last + 1
end
return results`;

/**
 * KEYS: bindings, owners, version. ARGV: kind, pattern, group, holder, channel.
 * A command or query topic has one owner group: returns {0, owner} when another group owns it.
 */
export const BIND = `local field = ARGV[1] .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3]
if ARGV[1] ~= 'event' then
  local topic = ARGV[1] .. '\\n' .. ARGV[2]
  local owner = redis.call('HGET', KEYS[2], topic)
  if owner and owner ~= ARGV[3] then return {0, owner} end
  redis.call('HSET', KEYS[2], topic, ARGV[3])
end
if redis.call('HSET', KEYS[1], field, ARGV[4]) == 1 then
  local version = redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', ARGV[5], version .. '\\n+\\n' .. field)
end
return {1, ''}`;

/** KEYS: bindings, owners, version. ARGV: kind, pattern, group, channel. */
export const UNBIND = `local field = ARGV[1] .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3]
if redis.call('HDEL', KEYS[1], field) == 0 then return 0 end
if ARGV[1] ~= 'event' and redis.call('HGET', KEYS[2], ARGV[1] .. '\\n' .. ARGV[2]) == ARGV[3] then
  redis.call('HDEL', KEYS[2], ARGV[1] .. '\\n' .. ARGV[2])
end
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[4], version .. '\\n-\\n' .. field)
return 1`;

/** KEYS: bindings, version. The binding table and the version it is at, read atomically. */
export const LOAD_BINDINGS = `return {redis.call('GET', KEYS[2]) or '0', redis.call('HKEYS', KEYS[1])}`;

/**
 * KEYS: group streams, band 0 first. ARGV: group, consumer, count.
 * Reads up to count new entries, emptying higher-priority bands first: {{band, entries}, ...}.
 */
export const TAKE = `local remaining = tonumber(ARGV[3])
local taken = {}
for band, stream in ipairs(KEYS) do
  if remaining <= 0 then break end
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', remaining, 'STREAMS', stream, '>')
  if read then
    taken[#taken + 1] = {band - 1, read[1][2]}
    remaining = remaining - #read[1][2]
  end
end
return taken`;

/**
 * KEYS: group streams. ARGV: group, consumer, minIdleMs, count.
 * Takes over entries left unacknowledged longer than minIdleMs: {{band, id, deliveries, fields}, ...}
 * where deliveries counts this one.
 */
export const CLAIM = `local remaining = tonumber(ARGV[4])
local claimed = {}
for band, stream in ipairs(KEYS) do
  if remaining <= 0 then break end
  local pending = redis.call('XPENDING', stream, ARGV[1], 'IDLE', ARGV[3], '-', '+', remaining)
  if #pending > 0 then
    local ids, deliveries = {}, {}
    for i, entry in ipairs(pending) do
      ids[i] = entry[1]
      deliveries[entry[1]] = entry[4]
    end
    for _, entry in ipairs(redis.call('XCLAIM', stream, ARGV[1], ARGV[2], ARGV[3], unpack(ids))) do
      if entry then
        claimed[#claimed + 1] = {band - 1, entry[1], deliveries[entry[1]] + 1, entry[2]}
        remaining = remaining - 1
      end
    end
  end
end
return claimed`;

/**
 * KEYS: streams. Trims each below the oldest entry some consumer group still needs (its oldest
 * pending entry, or the first it has not read). Trimming below a pending entry would lose it.
 */
export const TRIM = `local function older(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if tonumber(ams) ~= tonumber(bms) then return tonumber(ams) < tonumber(bms) end
  return tonumber(aseq) < tonumber(bseq)
end
local trimmed = 0
for _, stream in ipairs(KEYS) do
  local keep
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local info = {}
    for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
    local needed
    if info['pending'] > 0 then
      needed = redis.call('XPENDING', stream, info['name'])[2]
    else
      local ms, seq = string.match(info['last-delivered-id'], '^(%d+)-(%d+)$')
      needed = ms .. '-' .. string.format('%.0f', tonumber(seq) + 1)
    end
    if keep == nil or older(needed, keep) then keep = needed end
  end
  if keep then trimmed = trimmed + redis.call('XTRIM', stream, 'MINID', '~', keep) end
end
return trimmed`;

/**
 * KEYS: group streams. ARGV: group, name ('' for any), minIdleMs, except.
 * Removes consumers with nothing pending (deleting one with pending entries would lose them).
 */
export const DROP_CONSUMERS = `local removed = 0
for _, stream in ipairs(KEYS) do
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', stream, ARGV[1])) do
    local info = {}
    for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
    if info['pending'] == 0 and info['idle'] >= tonumber(ARGV[3]) and info['name'] ~= ARGV[4]
        and (ARGV[2] == '' or info['name'] == ARGV[2]) then
      redis.call('XGROUP', 'DELCONSUMER', stream, ARGV[1], info['name'])
      removed = removed + 1
    end
  end
end
return removed`;

/** KEYS: delayed. ARGV: delayMs, members. A member is netstrings: nonce, stream, fields... */
export const SCHEDULE = `${NOW_MS}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1`;

/**
 * KEYS: delayed. ARGV: limit. Appends due members to their streams (dropped when the stream is
 * gone: its per-instance group closed). Returns {moved, dropped, ms until the next one or -1}.
 */
export const PROMOTE = `${NOW_MS}
local moved, dropped = 0, 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  local parts, at = {}, 1
  while at <= #member do
    local colon = string.find(member, ':', at, true)
    local length = colon and tonumber(string.sub(member, at, colon - 1))
    if not length then parts = {} break end
    parts[#parts + 1] = string.sub(member, colon + 1, colon + length)
    at = colon + length + 1
  end
  if #parts >= 4 and #parts % 2 == 0 and redis.call('XADD', parts[2], 'NOMKSTREAM', '*', unpack(parts, 3)) then
    moved = moved + 1
  else
    dropped = dropped + 1
  end
  redis.call('ZREM', KEYS[1], member)
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = -1
if next[2] then wait = math.max(0, tonumber(next[2]) - now) end
return {moved, dropped, wait}`;

/** KEYS: instances. ARGV: instance id, ttlMs. Renews the lease; 1 if it had not expired. */
export const RENEW_LEASE = `${NOW_MS}
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if expiry and tonumber(expiry) > now then return 1 end
return 0`;

/**
 * KEYS: instances, bindings, version, exclusive. ARGV: channel, stream prefix, bands.
 * Removes the per-instance groups (bindings and streams) of instances whose lease expired.
 */
export const REAP_INSTANCES = `${NOW_MS}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #dead == 0 then return 0 end
local isDead = {}
for _, id in ipairs(dead) do isDead[id] = true end
local bindings = redis.call('HGETALL', KEYS[2])
for i = 1, #bindings, 2 do
  if isDead[bindings[i + 1]] then
    redis.call('HDEL', KEYS[2], bindings[i])
    local version = redis.call('INCR', KEYS[3])
    redis.call('PUBLISH', ARGV[1], version .. '\\n-\\n' .. bindings[i])
  end
end
local groups = redis.call('HGETALL', KEYS[4])
for i = 1, #groups, 2 do
  if isDead[groups[i + 1]] then
    redis.call('HDEL', KEYS[4], groups[i])
    for band = 0, tonumber(ARGV[3]) - 1 do redis.call('DEL', ARGV[2] .. groups[i] .. ':' .. band) end
  end
end
redis.call('ZREM', KEYS[1], unpack(dead))
return #dead`;

/** KEYS: dead letters. ARGV: ttlMs, maxSize, fields. Returns how many letters were dropped. */
export const ADD_DEAD_LETTER = `${NOW_MS}
local dropped = redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', math.max(0, now - tonumber(ARGV[1]))))
if tonumber(ARGV[2]) == 0 then return dropped + 1 end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
return dropped + redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])`;

/** KEYS: dead letters. ARGV: ttlMs. Drops expired letters: {dropped, remaining}. */
export const PRUNE_DEAD_LETTERS = `${NOW_MS}
local dropped = redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', math.max(0, now - tonumber(ARGV[1]))))
return {dropped, redis.call('XLEN', KEYS[1])}`;
