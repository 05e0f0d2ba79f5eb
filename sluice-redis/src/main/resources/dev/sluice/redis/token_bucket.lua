-- Sluice: one decision for a policy of a single token bucket, the most common shape, without the
-- general script's dispatch (acquire.lua computes the same for any policy; both are tested against
-- the Java reference model). Same hash, fields and arithmetic as acquire.lua's bucket().
--
-- KEYS[1]  the bucket's key
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  cost; 0 only looks
-- ARGV[3]  "1" to consume when it fits, "0" to only look
-- ARGV[4]  the shortest TTL in milliseconds
-- ARGV[5]  units when full, ARGV[6] units per microsecond, ARGV[7] units per token
-- Returns allowed (1/0), remaining, retry after, reset after (microseconds).

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local cost = tonumber(ARGV[2])
local full, rate, unit = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local floor = math.floor
local key = KEYS[1]

local s = redis.call('HMGET', key, 'l', 't')
local level, last = full, now
if s[1] then
  level = tonumber(s[1])
  local stored = tonumber(s[2])
  if now > stored then
    last = now
    local missing = full - level
    local needed = floor(missing / rate)
    if needed * rate < missing then needed = needed + 1 end
    if now - stored >= needed then
      level = full
    else
      level = level + (now - stored) * rate
    end
  else
    last = stored
  end
end

local need = cost * unit
if level >= need then
  local left = level - need
  local missing = full - left
  local reset = floor(missing / rate)
  if reset * rate < missing then reset = reset + 1 end
  if ARGV[3] == '1' and cost > 0 then
    redis.call('HSET', key, 'l', string.format('%.0f', left), 't', string.format('%.0f', last))
    local ttl = floor(reset / 1000)
    if ttl * 1000 < reset then ttl = ttl + 1 end
    redis.call('PEXPIRE', key, math.max(tonumber(ARGV[4]), ttl))
  end
  return {1, floor(left / unit), 0, reset}
end
local short = need - level
local retry = floor(short / rate)
if retry * rate < short then retry = retry + 1 end
local missing = full - level
local reset = floor(missing / rate)
if reset * rate < missing then reset = reset + 1 end
return {0, floor(level / unit), retry, reset}
