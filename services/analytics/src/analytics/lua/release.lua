-- Delete a lock or freeze key only if it still holds our token. ARGV: 1 key, 2 token
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
