-- Move the dirty sets aside for a rollup (merging leftovers of a rollup that failed).
-- ARGV: 1 prefix, 2 freeze token (must still be ours)
local p = ARGV[1]
if redis.call('GET', p .. 'freeze') ~= ARGV[2] then return 0 end
for _, name in ipairs({'dirty:a', 'dirty:k'}) do
  local key, roll = p .. name, p .. name .. ':roll'
  if redis.call('EXISTS', key) == 1 then
    redis.call('SUNIONSTORE', roll, roll, key)
    redis.call('DEL', key)
  end
end
return 1
