-- Sluice: one decision for a policy of a single token bucket, the most common shape, without the
-- general script's dispatch (acquire.lua computes the same for any policy; both are tested against
-- the Java reference model). Same state string, arithmetic and take-over as acquire.lua's bucket():
-- "T <used> <last> <unit>", used = the units taken and not yet refilled.
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

local function ceildiv(a, b)
  local q = floor(a / b)
  if q * b < a then q = q + 1 end
  return q
end

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
    if now > l then
      last = now
      if now - l >= ceildiv(used, rate) then
        used = 0
      else
        used = used - (now - l) * rate
      end
    else
      last = l
    end
  end
end

local need = cost * unit
if used + need <= full then
  local after = used + need
  local reset = ceildiv(after, rate)
  if ARGV[3] == '1' and cost > 0 then
    redis.call('SET', key, string.format('T %d %d %d', after, last, unit),
      'PX', math.max(tonumber(ARGV[4]), ceildiv(reset, 1000)))
  end
  return {1, floor((full - after) / unit), 0, reset}
end
return {0, floor((full - used) / unit), ceildiv(used + need - full, rate), ceildiv(used, rate)}
