-- Sluice: one heartbeat of an instance in its fleet, and the fleet's size, by Redis's clock.
--
-- KEYS[1]  the fleet's sorted set: member = instance id, score = its last heartbeat (ms)
-- ARGV[1]  this instance's id
-- ARGV[2]  how long a member counts after its last heartbeat, in milliseconds
-- Returns one integer: the instances that sent a heartbeat within ARGV[2], this one included.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - expiry)
redis.call('PEXPIRE', KEYS[1], expiry)
return {redis.call('ZCARD', KEYS[1])}
