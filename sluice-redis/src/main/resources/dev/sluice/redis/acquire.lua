-- Sluice: a batch of requests, each over every limit of its policy, decided atomically in one call
-- (a single request is a batch of one).
-- The same arithmetic as the Java reference models (dev.sluice.algorithm); every number stays an
-- integer below 2^53, so Lua's doubles are exact. Numbers are written with %d (a C long: exact
-- for every such integer, and cheaper than %.0f's floating-point formatting).
--
-- State, one string per limit (StateCodec in Java reads and writes the same):
--   token bucket   "T <used> <last> <unit>"   used: units taken and not yet refilled
--   leaky bucket   "L <used> <last> <unit>"   used: the water level, in units
--   fixed window   "F <count> <start> <window>"   (a calendar window: its negative code)
--   sliding window "S <previous> <current> <start> <window>"
--   sliding log    a sorted set (member and score: the time) and a hash (member -> cost, "sum",
--                  "w" the window), under two keys
--   concurrency    a sorted set of permits (member: the permit id, score: the end of its lease)
-- A state written under another version of the limit is taken over: a bucket keeps its debt
-- (converted to whole tokens, rounded up, when the unit changed; clamped to the capacity), a window
-- keeps its count if its length is the same. Another kind or window length is a fresh key.
--
-- A request is allowed only if every limit of its policy allows it; the batch is consumed only if
-- every request of a positive cost is allowed, and then all of them are. Otherwise nothing is
-- written, each limit of a denied request that allowed reports its reset as it stands, and each
-- request that would have been allowed is told its state as it stands, still allowed. A request of
-- cost 0 only looks: its state as it stands, always allowed. (The Java rule: Decide.batch.)
--
-- KEYS  the keys of the limits, request after request; a sliding log takes two (times, costs).
-- ARGV[1]  now in microseconds, or "" to read the server's clock (TIME)
-- ARGV[2]  "1" to consume when the batch is allowed, "0" to only look, "r" to give a request's
--          cost back (a refund of one request, answered as a peek)
-- ARGV[3]  the shortest TTL in milliseconds (keys live at least this long)
-- ARGV[4]  the number of requests; then per request: its cost, its permit ("" if its policy holds
--          none, or for a look), its number of limits, and four values per limit: kind, a, b, c
--   1 token bucket / 2 leaky bucket: a = units when full, b = units per microsecond, c = units per token
--   3 fixed window: a = limit, b = window (or for the calendar -1 day, -2 week, -3 month, -4 year)
--   4 sliding window: a = limit, b = window, c = microseconds per weight step
--   5 sliding log: a = limit, b = window
--   6 concurrency: a = max, b = lease, c = retry hint (one permit per request whatever its cost)
-- Returns four integers per limit, request after request: allowed (1/0), remaining, retry after,
-- reset after (microseconds).

local floor = math.floor

local function ceildiv(a, b)
  local q = floor(a / b)
  if q * b < a then q = q + 1 end
  return q
end

local function num(x)
  return string.format('%d', x)
end

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local commit = ARGV[2] == '1'
local minttl = tonumber(ARGV[3])
local requests = tonumber(ARGV[4])

local function ttl(micros)
  return math.max(minttl, ceildiv(micros, 1000))
end

-- Each step returns allowed, remaining, retry, reset and, when allowed with a cost, a function that
-- stores the new state and the reset of the state as it stands (reported if another limit denies).

-- A bucket's units taken and not yet refilled, and its time, as they stand now.
local function bucketState(key, tag, full, rate, unit)
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
  return used, last
end

local function bucket(key, tag, full, rate, unit, cost)
  local used, last = bucketState(key, tag, full, rate, unit)
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

-- Calendar windows in UTC (Lua has no calendar): days since the epoch to and from a civil date,
-- after Howard Hinnant's algorithms. Every value stays an integer far below 2^53.
local DAY = 86400000000

local function civil(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end

local function days(y, m)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = floor((153 * mp + 2) / 5)
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy - 719468
end

-- The day that holds t, checked by multiplication, which is exact where a quotient may round up.
local function dayOf(t)
  local z = floor(t / DAY)
  if z * DAY > t then z = z - 1 end
  return z
end

-- A fixed window's start: a multiple of its length, or for a calendar window (its length a
-- negative code: -1 day, -2 week from Monday, -3 month, -4 year) the calendar's boundary.
local function windowStart(t, window)
  if window > 0 then return t - t % window end
  local z = dayOf(t)
  if window == -1 then return z * DAY end
  -- 1970-01-01 was a Thursday: (z + 3) % 7 days since the last Monday.
  if window == -2 then return (z - (z + 3) % 7) * DAY end
  local y, m = civil(z)
  if window == -3 then return days(y, m) * DAY end
  return days(y, 1) * DAY
end

-- A fixed window's end: the next window's start.
local function windowEnd(start, window)
  if window > 0 then return start + window end
  if window == -1 then return start + DAY end
  if window == -2 then return start + 7 * DAY end
  local y, m = civil(dayOf(start))
  if window == -3 and m < 12 then return days(y, m + 1) * DAY end
  return days(y + 1, 1) * DAY
end

-- A fixed window's start, the time (never before it) and its count, as they stand now.
local function fixedState(key, window)
  local t = now
  local start = windowStart(t, window)
  local used = 0
  local v = redis.call('GET', key)
  if v then
    local tag, c, s, w = string.match(v, '^(%u) (%d+) (%-?%d+) (%-?%d+)$')
    if tag == 'F' and tonumber(w) == window and start <= tonumber(s) then
      start = tonumber(s)
      t = math.max(t, start)
      used = tonumber(c)
    end
  end
  return start, t, used
end

local function fixed(key, max, window, cost)
  local start, t, used = fixedState(key, window)
  local untilEnd = windowEnd(start, window) - t
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

-- A sliding window's start, the time (never before it), and its previous and current counts.
local function slidingState(key, window)
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
  return start, t, previous, current
end

-- When a sliding window of these counts is fresh again, from t.
local function slidingReset(start, window, t, previous, current)
  if current > 0 then return start + 2 * window - t end
  if previous > 0 then return start + window - t end
  return 0
end

local function sliding(key, max, window, step, cost)
  local steps = ceildiv(window, step)
  local start, t, previous, current = slidingState(key, window)
  local elapsed = t - start
  local estimate = current
  if previous > 0 then
    estimate = estimate + ceildiv(previous * ceildiv(window - elapsed, step), steps)
  end
  local function reset(cur)
    return slidingReset(start, window, t, previous, cur)
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

-- A sliding log's live part, as it stands now: the time (never before its newest entry), what its
-- live entries cost in all, the expired entries, and its newest entry's time (or nil).
local function logState(times, costs, window)
  local newest = redis.call('ZREVRANGE', times, 0, 0, 'WITHSCORES')
  local t = now
  if newest[2] then t = math.max(t, tonumber(newest[2])) end
  local used = tonumber(redis.call('HGET', costs, 'sum') or '0')
  -- Entries that left the window are subtracted here but removed only when a write commits: a
  -- denial or a look writes nothing, as in the reference model.
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
  return t, used, expired, newest[2] and tonumber(newest[2]) or nil
end

-- Removes a sliding log's expired entries and stores its live total.
local function logPrune(times, costs, window, expired, used)
  for i = 1, #expired, 1000 do
    local last = math.min(i + 999, #expired)
    redis.call('HDEL', costs, unpack(expired, i, last))
    redis.call('ZREM', times, unpack(expired, i, last))
  end
  redis.call('HSET', costs, 'sum', num(used), 'w', num(window))
end

local function log(times, costs, max, window, cost)
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
  local t, used, expired, last = logState(times, costs, window)
  local function prune()
    logPrune(times, costs, window, expired, used)
  end
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

-- Concurrency: permits live while their lease runs (score > now); an allowed request adds its own,
-- and a write drops the ended ones. A denial's retry is the hint, or the first lease's end if
-- sooner (Java: ConcurrencyModel).
local function concurrency(key, max, lease, hint, cost, permit)
  local t = now
  local live = redis.call('ZCOUNT', key, '(' .. num(t), '+inf')
  local reset = 0
  if live > 0 then
    reset = tonumber(redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')[2]) - t
  end
  if cost > 0 and live < max then
    local after = math.max(reset, lease)
    return 1, max - live - 1, 0, after, function()
      redis.call('ZREMRANGEBYSCORE', key, '-inf', num(t))
      redis.call('ZADD', key, num(t + lease), permit)
      redis.call('PEXPIRE', key, ttl(after))
    end, reset
  end
  if cost == 0 or live < max then
    return 1, math.max(0, max - live), 0, reset
  end
  local first = redis.call('ZRANGEBYSCORE', key, '(' .. num(t), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  return 0, 0, math.max(1, math.min(hint, tonumber(first[2]) - t)), reset
end

-- One limit of a request, its kind's step on the key(s) from KEYS[k]: the step's results.
local function step(p, k, cost, permit)
  local kind = tonumber(ARGV[p])
  local a, b, c = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
  if kind == 1 then
    return bucket(KEYS[k], 'T', a, b, c, cost)
  elseif kind == 2 then
    return bucket(KEYS[k], 'L', a, b, c, cost)
  elseif kind == 3 then
    return fixed(KEYS[k], a, b, cost)
  elseif kind == 4 then
    return sliding(KEYS[k], a, b, c, cost)
  elseif kind == 6 then
    return concurrency(KEYS[k], a, b, c, cost, permit)
  end
  return log(KEYS[k], KEYS[k + 1], a, b, cost)
end

-- How many keys a limit takes.
local function width(p)
  if ARGV[p] == '5' then return 2 end
  return 1
end

-- A refund of one limit: cost given back (Model.refund in Java); a limit with nothing taken is left
-- as it is.
local function refund(p, k, cost)
  local kind = tonumber(ARGV[p])
  local a, b, c = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
  local key = KEYS[k]
  if kind == 1 or kind == 2 then
    local tag = kind == 1 and 'T' or 'L'
    local used, last = bucketState(key, tag, a, b, c)
    if used > 0 then
      local after = math.max(0, used - cost * c)
      redis.call('SET', key, tag .. ' ' .. num(after) .. ' ' .. num(last) .. ' ' .. num(c),
        'PX', ttl(ceildiv(after, b)))
    end
  elseif kind == 3 then
    local start, t, used = fixedState(key, b)
    if used > 0 then
      redis.call('SET', key,
        'F ' .. num(math.max(0, used - cost)) .. ' ' .. num(start) .. ' ' .. num(b),
        'PX', ttl(windowEnd(start, b) - t))
    end
  elseif kind == 6 then
    return -- a permit is released, not refunded
  elseif kind == 4 then
    local start, t, previous, current = slidingState(key, b)
    if current > 0 then
      local left = math.max(0, current - cost)
      redis.call('SET', key,
        'S ' .. num(previous) .. ' ' .. num(left) .. ' ' .. num(start) .. ' ' .. num(b),
        'PX', ttl(slidingReset(start, b, t, previous, left)))
    end
  else
    local costs = KEYS[k + 1]
    if redis.call('HGET', costs, 'w') ~= num(b) then return end
    local _, used, expired = logState(key, costs, b)
    if used <= 0 then return end
    local left = math.min(cost, used)
    logPrune(key, costs, b, expired, used - left)
    -- The newest entries go first; each one given back whole is removed, so the next batch is
    -- again the newest.
    while left > 0 do
      local batch = redis.call('ZREVRANGE', key, 0, 99)
      local amounts = redis.call('HMGET', costs, unpack(batch))
      for i = 1, #batch do
        local amount = tonumber(amounts[i])
        local take = math.min(left, amount)
        if take == amount then
          redis.call('ZREM', key, batch[i])
          redis.call('HDEL', costs, batch[i])
        else
          redis.call('HINCRBY', costs, batch[i], -take)
        end
        left = left - take
        if left == 0 then break end
      end
    end
    redis.call('PEXPIRE', key, ttl(b))
    redis.call('PEXPIRE', costs, ttl(b))
  end
end

if ARGV[2] == 'r' then
  -- A refund: ARGV[4] is 1, then what to give back, no permit and the limits. Returns what a peek
  -- returns after it: per limit, whether a cost of 1 fits and its wait, and the remaining and reset
  -- as they stand.
  local cost, count, start = tonumber(ARGV[5]), tonumber(ARGV[7]), 8
  local k = 1
  for i = 0, count - 1 do
    local at = start + 4 * i
    refund(at, k, cost)
    k = k + width(at)
  end
  local out = {}
  k = 1
  for i = 0, count - 1 do
    local at = start + 4 * i
    local _, remaining, _, reset = step(at, k, 0, '')
    local ok, _, retry = step(at, k, 1, '')
    out[4 * i + 1] = ok
    out[4 * i + 2] = remaining
    out[4 * i + 3] = retry
    out[4 * i + 4] = reset
    k = k + width(at)
  end
  return out
end

local result = {}
local writes = {}
local looked = {}
local batch = true
local p, k = 5, 1
for r = 1, requests do
  local cost = tonumber(ARGV[p])
  local permit = ARGV[p + 1]
  local count = tonumber(ARGV[p + 2])
  local first, start, key = #result, p + 3, k
  local allowed = true
  local mine, untouched = {}, {}
  for i = 0, count - 1 do
    local at = start + 4 * i
    local ok, remaining, retry, reset, write, before = step(at, k, cost, permit)
    k = k + width(at)
    untouched[i + 1] = before
    allowed = allowed and ok == 1
    mine[#mine + 1] = write
    result[first + 4 * i + 1] = ok
    result[first + 4 * i + 2] = remaining
    result[first + 4 * i + 3] = retry
    result[first + 4 * i + 4] = reset
  end
  if cost == 0 then
    -- A look: always allowed, nothing to wait for.
    for i = 0, count - 1 do
      result[first + 4 * i + 1] = 1
      result[first + 4 * i + 3] = 0
    end
  elseif allowed then
    for i = 1, #mine do writes[#writes + 1] = mine[i] end
    looked[#looked + 1] = {first, start, key, count}
  else
    -- Denied: a limit that would have allowed reports its reset as it stands.
    for i = 1, count do
      if untouched[i] then result[first + 4 * i] = untouched[i] end
    end
    batch = false
  end
  p = start + 4 * count
end
if batch then
  if commit then
    for i = 1, #writes do writes[i]() end
  end
else
  -- Nothing is consumed: a request that would have been allowed is told its state as it stands.
  for _, span in ipairs(looked) do
    local first, start, key, count = span[1], span[2], span[3], span[4]
    for i = 0, count - 1 do
      local at = start + 4 * i
      local _, remaining, _, reset = step(at, key, 0, '')
      key = key + width(at)
      result[first + 4 * i + 1] = 1
      result[first + 4 * i + 2] = remaining
      result[first + 4 * i + 3] = 0
      result[first + 4 * i + 4] = reset
    end
  end
end
return result
