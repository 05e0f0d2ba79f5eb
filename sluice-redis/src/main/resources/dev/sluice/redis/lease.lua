-- Sluice hybrid mode: lease tokens from a token bucket, or give leased tokens back, atomically.
-- The same hash and the same arithmetic as the token bucket of acquire.lua (field l = the available
-- level in units of 1/period token, field t = the last update in microseconds), so leases and
-- ordinary decisions share one bucket. Every number stays an integer below 2^53 (the level is at
-- most 2^52, a return adds at most as much again before the cap), so Lua's doubles are exact.
--
-- KEYS[1]  the token bucket's key
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  tokens given back: added to the refilled level first, the level capped at full
-- ARGV[3]  the fewest tokens worth taking; 0 takes nothing (a return, or a look)
-- ARGV[4]  the most tokens to take, at least ARGV[3]
-- ARGV[5]  the shortest TTL in milliseconds
-- ARGV[6]  units when full, ARGV[7] units per microsecond, ARGV[8] units per token
-- Returns three integers: the tokens granted (0, or from ARGV[3] to ARGV[4]); the level left, in
-- units; the microseconds until ARGV[4] tokens would be there if nobody took any (0 if they are).
-- Writes only when it grants or takes back tokens, with the lossless TTL of acquire.lua.

local floor = math.floor

local function ceildiv(a, b)
  local q = floor(a / b)
  if q * b < a then q = q + 1 end
  return q
end

local function num(x)
  return string.format('%.0f', x)
end

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local back = tonumber(ARGV[2])
local least = tonumber(ARGV[3])
local most = tonumber(ARGV[4])
local minttl = tonumber(ARGV[5])
local full, rate, unit = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local key = KEYS[1]

local s = redis.call('HMGET', key, 'l', 't')
local level, last = full, now
if s[1] then
  level = tonumber(s[1])
  last = math.max(tonumber(s[2]), now)
  local elapsed = last - tonumber(s[2])
  if elapsed >= ceildiv(full - level, rate) then
    level = full
  else
    level = level + elapsed * rate
  end
end
if back > 0 then
  level = math.min(full, level + back * unit)
end
local granted = 0
if least > 0 then
  local available = floor(level / unit)
  if available >= least then
    granted = math.min(most, available)
    level = level - granted * unit
  end
end
if granted > 0 or back > 0 then
  redis.call('HSET', key, 'l', num(level), 't', num(last))
  redis.call('PEXPIRE', key, math.max(minttl, ceildiv(ceildiv(full - level, rate), 1000)))
end
local wait = 0
if level < most * unit then
  wait = ceildiv(most * unit - level, rate)
end
return {granted, level, wait}
