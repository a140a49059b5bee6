-- Store a weighted union or intersection of sorted sets with its expiry, in one step (a
-- stored set without its expiry would be served as a cached hot list for ever).
-- KEYS: 1 destination, 2.. sources (one hash slot). ARGV: 1 'ZUNIONSTORE' | 'ZINTERSTORE',
--  2 expiry (ms), 3.. one weight per source.
local cmd = ARGV[1]
if cmd ~= 'ZUNIONSTORE' and cmd ~= 'ZINTERSTORE' then return redis.error_reply('bad command') end
local args = {KEYS[1], #KEYS - 1}
for i = 2, #KEYS do args[#args + 1] = KEYS[i] end
args[#args + 1] = 'WEIGHTS'
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
local n = redis.call(cmd, unpack(args))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
