-- A hot list in one round trip: the highest positive scores of a hot set, skipping
-- hidden (unlisted) articles, each with its stored meta.
-- KEYS: 1 hot set, 2 hidden set, 3 article meta hash (one hash slot). ARGV: 1 limit.
-- Returns false when the hot set is not there (not computed yet, or expired); else a
-- flat list: article id, score, meta (false if none), ... best first.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local limit = tonumber(ARGV[1])
local found, start, page = {}, 0, limit * 2
while #found < limit * 3 do
  local rows = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(0', 'WITHSCORES', 'LIMIT', start, page)
  if #rows == 0 then break end
  for i = 1, #rows, 2 do
    if #found < limit * 3 and redis.call('SISMEMBER', KEYS[2], rows[i]) == 0 then
      found[#found + 1] = rows[i]
      found[#found + 1] = rows[i + 1]
      found[#found + 1] = redis.call('HGET', KEYS[3], rows[i])
    end
  end
  start = start + page
end
return found
