-- Sluice hybrid mode: lease tokens from a token bucket, or give leased tokens back, atomically.
-- The same state string and arithmetic as the token bucket of acquire.lua ("T <used> <last>
-- <unit>", used = the units taken and not yet refilled, in units of 1/period token), so leases and
-- ordinary decisions share one bucket, and a bucket written under another version of the limit is
-- taken over the same way. Every number stays an integer below 2^53, so Lua's doubles are exact.
--
-- KEYS[1]  the token bucket's key
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  tokens given back: taken off the refilled debt first, the debt floored at 0
-- ARGV[3]  the fewest tokens worth taking; 0 takes nothing (a return, or a look)
-- ARGV[4]  the most tokens to take, at least ARGV[3]
-- ARGV[5]  the shortest TTL in milliseconds
-- ARGV[6]  units when full, ARGV[7] units per microsecond, ARGV[8] units per token
-- Returns three integers: the tokens granted (0, or from ARGV[3] to ARGV[4]); the level left (the
-- units available: full - used); the microseconds until ARGV[4] tokens would be there if nobody
-- took any (0 if they are). Writes only when it grants or takes back tokens, with the lossless TTL
-- of acquire.lua.

local floor = math.floor

local function ceildiv(a, b)
  local q = floor(a / b)
  if q * b < a then q = q + 1 end
  return q
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

local used, last = 0, now
local v = redis.call('GET', key)
if v then
  local t, u, l, n = string.match(v, '^(%u) (%d+) (%-?%d+) (%d+)$')
  if t == 'T' then
    u, l, n = tonumber(u), tonumber(l), tonumber(n)
    if n == unit then
      used = math.min(u, full)
    else
      used = math.min(full / unit, ceildiv(u, n)) * unit
    end
    last = math.max(l, now)
    local elapsed = last - l
    if elapsed >= ceildiv(used, rate) then
      used = 0
    else
      used = used - elapsed * rate
    end
  end
end
if back > 0 then
  used = math.max(0, used - back * unit)
end
local granted = 0
if least > 0 then
  local available = floor((full - used) / unit)
  if available >= least then
    granted = math.min(most, available)
    used = used + granted * unit
  end
end
if granted > 0 or back > 0 then
  redis.call('SET', key, string.format('T %d %d %d', used, last, unit),
    'PX', math.max(minttl, ceildiv(ceildiv(used, rate), 1000)))
end
local level = full - used
local wait = 0
if level < most * unit then
  wait = ceildiv(most * unit - level, rate)
end
return {granted, level, wait}
