-- Sluice: one decision over every limit of a policy, atomically, in one call.
-- The same arithmetic as the Java reference models (dev.sluice.algorithm); every number stays an
-- integer below 2^53, so Lua's doubles are exact. Numbers written back are formatted with %.0f.
--
-- KEYS  the keys of the limits, in order; a sliding log takes two (its times, then its costs).
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  cost; 0 only looks
-- ARGV[3]  "1" to consume when every limit allows, "0" to only look
-- ARGV[4]  the shortest TTL in milliseconds (keys live at least this long)
-- ARGV[5]  the number of limits; then five values per limit: kind, a, b, c, d
--   1 token bucket / 2 leaky bucket: a = units when full, b = units per microsecond, c = units per token
--   3 fixed window: a = limit, b = window
--   4 sliding window: a = limit, b = window, c = microseconds per weight step, d = steps per window
--   5 sliding log: a = limit, b = window
-- Returns four integers per limit: allowed (1/0), remaining, retry after, reset after (microseconds).

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
local cost = tonumber(ARGV[2])
local commit = ARGV[3] == '1' and cost > 0
local minttl = tonumber(ARGV[4])
local count = tonumber(ARGV[5])

local function expire(key, micros)
  redis.call('PEXPIRE', key, math.max(minttl, ceildiv(micros, 1000)))
end

-- Each step returns allowed, remaining, retry, reset and, when allowed with a cost, a function that
-- stores the new state and the reset of the state as it stands (reported if another limit denies).

local function bucket(key, full, rate, unit, leaky)
  local s = redis.call('HMGET', key, 'l', 't')
  local level, last = full, now
  if s[1] then
    level = tonumber(s[1])
    if leaky then level = full - level end
    last = math.max(tonumber(s[2]), now)
    local elapsed = last - tonumber(s[2])
    if elapsed >= ceildiv(full - level, rate) then
      level = full
    else
      level = level + elapsed * rate
    end
  end
  local need = cost * unit
  if level >= need then
    local left = level - need
    local reset = ceildiv(full - left, rate)
    return 1, floor(left / unit), 0, reset, function()
      redis.call('HSET', key, 'l', num(leaky and full - left or left), 't', num(last))
      expire(key, reset)
    end, ceildiv(full - level, rate)
  end
  return 0, floor(level / unit), ceildiv(need - level, rate), ceildiv(full - level, rate)
end

local function fixed(key, max, window)
  local s = redis.call('HMGET', key, 'c', 's')
  local t = now
  local start = t - t % window
  local used = 0
  if s[1] and start <= tonumber(s[2]) then
    start = tonumber(s[2])
    t = math.max(t, start)
    used = tonumber(s[1])
  end
  local untilEnd = start + window - t
  if used + cost <= max then
    local before = used
    used = used + cost
    return 1, max - used, 0, (used == 0 and 0 or untilEnd), function()
      redis.call('HSET', key, 'c', num(used), 's', num(start))
      expire(key, untilEnd)
    end, (before == 0 and 0 or untilEnd)
  end
  return 0, max - used, untilEnd, untilEnd
end

local function sliding(key, max, window, step, steps)
  local s = redis.call('HMGET', key, 'p', 'c', 's')
  local t = now
  local start = t - t % window
  local previous, current = 0, 0
  if s[1] then
    local stored = tonumber(s[3])
    if start <= stored then
      t = math.max(t, stored)
      start = stored
      previous = tonumber(s[1])
      current = tonumber(s[2])
    elseif start - stored == window then
      previous = tonumber(s[2])
    end
  end
  local elapsed = t - start
  local estimate = current
  if previous > 0 then
    estimate = estimate + ceildiv(previous * ceildiv(window - elapsed, step), steps)
  end
  local function reset(cur)
    if cur > 0 then return start + 2 * window - t end
    if previous > 0 then return start + window - t end
    return 0
  end
  if estimate + cost <= max then
    local next = current + cost
    local r = reset(next)
    return 1, max - estimate - cost, 0, r, function()
      redis.call('HSET', key, 'p', num(previous), 'c', num(next), 's', num(start))
      expire(key, r)
    end, reset(current)
  end
  local retry
  local room = max - cost - current
  local fits = 0
  if room >= 0 and previous > 0 then
    fits = math.min(steps, floor(room * steps / previous))
  end
  if fits > 0 then
    retry = window - fits * step - elapsed
  elseif current == 0 then
    retry = window - elapsed
  else
    fits = math.min(steps, floor((max - cost) * steps / current))
    if fits == 0 then
      retry = 2 * window - elapsed
    else
      retry = window - elapsed + math.max(0, window - fits * step)
    end
  end
  return 0, math.max(0, max - estimate), retry, reset(current)
end

local function log(times, costs, max, window)
  local newest = redis.call('ZREVRANGE', times, 0, 0, 'WITHSCORES')
  local t = now
  if newest[2] then t = math.max(t, tonumber(newest[2])) end
  local used = tonumber(redis.call('HGET', costs, 'sum') or '0')
  -- Entries that left the window are subtracted here but removed only when the request is
  -- committed: a denial or a look writes nothing, as in the reference model.
  local expired = {}
  while true do
    local batch = redis.call('ZRANGEBYSCORE', times, '-inf', num(t - window), 'LIMIT', #expired, 1000)
    if #batch == 0 then break end
    local amounts = redis.call('HMGET', costs, unpack(batch))
    for i = 1, #batch do
      used = used - tonumber(amounts[i])
      expired[#expired + 1] = batch[i]
    end
  end
  local function prune()
    for i = 1, #expired, 1000 do
      local last = math.min(i + 999, #expired)
      redis.call('HDEL', costs, unpack(expired, i, last))
      redis.call('ZREM', times, unpack(expired, i, last))
    end
    redis.call('HSET', costs, 'sum', num(used))
  end
  local last = newest[2] and tonumber(newest[2]) or nil
  local reset = 0
  if used > 0 then reset = last + window - t end
  if cost > 0 and used + cost <= max then
    return 1, max - used - cost, 0, window, function()
      prune()
      local member = num(t)
      redis.call('ZADD', times, member, member)
      redis.call('HINCRBY', costs, member, cost)
      redis.call('HINCRBY', costs, 'sum', cost)
      expire(times, window)
      expire(costs, window)
    end, reset
  end
  if used + cost <= max then
    return 1, max - used, 0, reset
  end
  local freed, offset, retry = 0, #expired, nil
  while not retry do
    local batch = redis.call('ZRANGE', times, offset, offset + 99)
    local amounts = redis.call('HMGET', costs, unpack(batch))
    for i = 1, #batch do
      freed = freed + tonumber(amounts[i])
      if used - freed + cost <= max then
        retry = tonumber(batch[i]) + window - t
        break
      end
    end
    offset = offset + 100
  end
  return 0, max - used, retry, reset
end

local result = {}
local writes = {}
local untouched = {}
local allowed = true
local k = 1
for i = 0, count - 1 do
  local base = 5 + i * 5
  local kind = tonumber(ARGV[base + 1])
  local a, b, c, d = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  local ok, remaining, retry, reset, write, before
  if kind == 1 or kind == 2 then
    ok, remaining, retry, reset, write, before = bucket(KEYS[k], a, b, c, kind == 2)
    k = k + 1
  elseif kind == 3 then
    ok, remaining, retry, reset, write, before = fixed(KEYS[k], a, b)
    k = k + 1
  elseif kind == 4 then
    ok, remaining, retry, reset, write, before = sliding(KEYS[k], a, b, c, d)
    k = k + 1
  else
    ok, remaining, retry, reset, write, before = log(KEYS[k], KEYS[k + 1], a, b)
    k = k + 2
  end
  untouched[i + 1] = before
  allowed = allowed and ok == 1
  writes[#writes + 1] = write
  local n = #result
  result[n + 1] = ok
  result[n + 2] = remaining
  result[n + 3] = retry
  result[n + 4] = reset
end
if commit and allowed then
  for i = 1, #writes do writes[i]() end
elseif not allowed then
  -- Nothing is consumed: a limit that would have allowed reports its reset as it stands.
  for i = 1, count do
    if untouched[i] then result[4 * i] = untouched[i] end
  end
end
return result
