-- Sluice: one decision over every limit of a policy, atomically, in one call.
-- The same arithmetic as the Java reference models (dev.sluice.algorithm); every number stays an
-- integer below 2^53, so Lua's doubles are exact. Numbers are written with %.0f.
--
-- State, one string per limit (StateCodec in Java reads and writes the same):
--   token bucket   "T <used> <last> <unit>"   used: units taken and not yet refilled
--   leaky bucket   "L <used> <last> <unit>"   used: the water level, in units
--   fixed window   "F <count> <start> <window>"
--   sliding window "S <previous> <current> <start> <window>"
--   sliding log    a sorted set (member and score: the time) and a hash (member -> cost, "sum",
--                  "w" the window), under two keys
-- A state written under another version of the limit is taken over: a bucket keeps its debt
-- (converted to whole tokens, rounded up, when the unit changed; clamped to the capacity), a window
-- keeps its count if its length is the same. Another kind or window length is a fresh key.
--
-- KEYS  the keys of the limits, in order; a sliding log takes two (its times, then its costs).
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  cost; 0 only looks
-- ARGV[3]  "1" to consume when every limit allows, "0" to only look
-- ARGV[4]  the shortest TTL in milliseconds (keys live at least this long)
-- ARGV[5]  the number of limits; then four values per limit: kind, a, b, c
--   1 token bucket / 2 leaky bucket: a = units when full, b = units per microsecond, c = units per token
--   3 fixed window: a = limit, b = window
--   4 sliding window: a = limit, b = window, c = microseconds per weight step
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

local function ttl(micros)
  return math.max(minttl, ceildiv(micros, 1000))
end

-- Each step returns allowed, remaining, retry, reset and, when allowed with a cost, a function that
-- stores the new state and the reset of the state as it stands (reported if another limit denies).

local function bucket(key, tag, full, rate, unit)
  local used, last = 0, now
  local v = redis.call('GET', key)
  if v then
    local t, u, l, n = string.match(v, '^(%u) (%d+) (%-?%d+) (%d+)$')
    if t == tag then
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
  local need = cost * unit
  if used + need <= full then
    local after = used + need
    local reset = ceildiv(after, rate)
    return 1, floor((full - after) / unit), 0, reset, function()
      redis.call('SET', key, tag .. ' ' .. num(after) .. ' ' .. num(last) .. ' ' .. num(unit),
        'PX', ttl(reset))
    end, ceildiv(used, rate)
  end
  return 0, floor((full - used) / unit), ceildiv(used + need - full, rate), ceildiv(used, rate)
end

local function fixed(key, max, window)
  local t = now
  local start = t - t % window
  local used = 0
  local v = redis.call('GET', key)
  if v then
    local tag, c, s, w = string.match(v, '^(%u) (%d+) (%-?%d+) (%d+)$')
    if tag == 'F' and tonumber(w) == window and start <= tonumber(s) then
      start = tonumber(s)
      t = math.max(t, start)
      used = tonumber(c)
    end
  end
  local untilEnd = start + window - t
  if used + cost <= max then
    local before = used
    used = used + cost
    return 1, max - used, 0, (used == 0 and 0 or untilEnd), function()
      redis.call('SET', key, 'F ' .. num(used) .. ' ' .. num(start) .. ' ' .. num(window),
        'PX', ttl(untilEnd))
    end, (before == 0 and 0 or untilEnd)
  end
  return 0, math.max(0, max - used), untilEnd, untilEnd
end

local function sliding(key, max, window, step)
  local steps = ceildiv(window, step)
  local t = now
  local start = t - t % window
  local previous, current = 0, 0
  local v = redis.call('GET', key)
  if v then
    local tag, p, c, s, w = string.match(v, '^(%u) (%d+) (%d+) (%-?%d+) (%d+)$')
    if tag == 'S' and tonumber(w) == window then
      local stored = tonumber(s)
      if start <= stored then
        t = math.max(t, stored)
        start = stored
        previous = tonumber(p)
        current = tonumber(c)
      elseif start - stored == window then
        previous = tonumber(c)
      end
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
      redis.call('SET', key,
        'S ' .. num(previous) .. ' ' .. num(next) .. ' ' .. num(start) .. ' ' .. num(window),
        'PX', ttl(r))
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
  if redis.call('HGET', costs, 'w') ~= num(window) then
    -- No log, or one of another window length: a fresh key; what is there is dropped on commit.
    if cost > 0 and cost <= max then
      return 1, max - cost, 0, window, function()
        redis.call('DEL', times, costs)
        local member = num(now)
        redis.call('ZADD', times, member, member)
        redis.call('HSET', costs, member, cost, 'sum', cost, 'w', num(window))
        redis.call('PEXPIRE', times, ttl(window))
        redis.call('PEXPIRE', costs, ttl(window))
      end, 0
    end
    return 1, max, 0, 0
  end
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
    redis.call('HSET', costs, 'sum', num(used), 'w', num(window))
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
      redis.call('PEXPIRE', times, ttl(window))
      redis.call('PEXPIRE', costs, ttl(window))
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
  return 0, math.max(0, max - used), retry, reset
end

local result = {}
local writes = {}
local untouched = {}
local allowed = true
local k = 1
for i = 0, count - 1 do
  local base = 5 + i * 4
  local kind = tonumber(ARGV[base + 1])
  local a, b, c = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  local ok, remaining, retry, reset, write, before
  if kind == 1 then
    ok, remaining, retry, reset, write, before = bucket(KEYS[k], 'T', a, b, c)
    k = k + 1
  elseif kind == 2 then
    ok, remaining, retry, reset, write, before = bucket(KEYS[k], 'L', a, b, c)
    k = k + 1
  elseif kind == 3 then
    ok, remaining, retry, reset, write, before = fixed(KEYS[k], a, b)
    k = k + 1
  elseif kind == 4 then
    ok, remaining, retry, reset, write, before = sliding(KEYS[k], a, b, c)
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
