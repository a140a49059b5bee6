-- Delete a lock or freeze key only if it still holds our token. KEYS[1] the key, ARGV[1] token
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
