-- Apply one article/comment event's Redis commands atomically, once per event id.
-- ARGV: 1 prefix, 2 expected meta state, 3 event id, 4 offset field, 5 offset, 6 mode,
--  7 applied-marker ttl, 8 commands as JSON [[command, key without prefix, args...]...]
local p = ARGV[1]
if redis.call('GET', p .. 'meta') ~= ARGV[2] then return 'nometa' end
if redis.call('EXISTS', p .. 'freeze') == 1 then return 'frozen' end
local mode = ARGV[6]
local field, off = ARGV[4], tonumber(ARGV[5])
if mode == 'apply' and field ~= '' then
  local cur = tonumber(redis.call('HGET', p .. 'off', field) or '-1')
  if off + 1 > cur then redis.call('HSET', p .. 'off', field, off + 1) end
end
if not redis.call('SET', p .. 'ap:' .. ARGV[3], '1', 'NX', 'EX', ARGV[7]) then return 'dup' end
if mode ~= 'apply' then return 'ok' end
local allowed = {HSET = true, HDEL = true, SADD = true, SREM = true, HINCRBY = true,
  ZINCRBY = true, EXPIREAT = true}
for _, op in ipairs(cjson.decode(ARGV[8])) do
  local cmd = op[1]
  if not allowed[cmd] then return redis.error_reply('command not allowed: ' .. cmd) end
  redis.call(cmd, p .. op[2], unpack(op, 3))
end
return 'ok'
