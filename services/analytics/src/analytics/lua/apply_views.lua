-- Apply one views.recorded batch atomically, or recognise it as already applied.
-- ARGV: 1 prefix, 2 expected meta state, 3 event id, 4 offset field ("topic:partition"),
--  5 offset, 6 mode ("apply" | "prime"), 7 applied-marker ttl, 8 dedup window (s),
--  9 dedup key ttl (s), 10 distinct reads per minute before a visitor behaves as a bot,
--  11 bot score threshold (x100), 12 views as JSON [[article, visitor, epoch s, section, ua score x100]...],
--  13/14/15 retention (s) of minute/hour/day buckets, counted from the bucket's start.
-- Keys are built from the prefix (single Redis, not cluster): one round trip per message.
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

local win, ddttl = tonumber(ARGV[8]), tonumber(ARGV[9])
local rlimit, thr = tonumber(ARGV[10]), tonumber(ARGV[11])
local views = cjson.decode(ARGV[12])
local retention = {m = tonumber(ARGV[13]), h = tonumber(ARGV[14]), d = tonumber(ARGV[15])}
local width = {m = 60, h = 3600, d = 86400}
local ttls = {}
local reads, bots, dups, visitors, secs, dayv = {}, {}, {}, {}, {}, {}
local z = {m = {}, h = {}, d = {}}
local site = {m = {}, h = {}, d = {}}
local seccache = {}

local function bump(t, k, n) t[k] = (t[k] or 0) + n end
local function nested(t, k) local v = t[k]; if not v then v = {}; t[k] = v end; return v end
local function sitebump(t, kind)
  for g, w in pairs(width) do bump(nested(site[g], math.floor(t / w)), kind, 1) end
end

for i = 1, #views do
  local v = views[i]
  local aid, vis, t = v[1], v[2], v[3]
  local shard = string.sub(vis, 1, 1)
  local ddk = p .. 'dd:' .. math.floor(t / win) .. ':' .. shard
  ttls[ddk] = ddttl
  local kind
  if redis.call('HSETNX', ddk, aid .. ':' .. vis, '1') == 0 then
    kind = 'dups'
  else
    local rk = p .. 'rt:' .. math.floor(t / 60) .. ':' .. shard
    ttls[rk] = 180
    local score = v[5]
    if redis.call('HINCRBY', rk, vis, 1) > rlimit then score = score + 100 end
    if score >= thr then kind = 'bots' else kind = 'reads' end
  end
  if mode == 'apply' then
    sitebump(t, kind)
    if kind == 'reads' then
      bump(reads, aid, 1)
      table.insert(nested(visitors, aid), vis)
      for g, w in pairs(width) do bump(nested(z[g], math.floor(t / w)), aid, 1) end
      table.insert(nested(dayv, math.floor(t / 86400)), vis)
      local sec = v[4]
      if sec == 0 then
        sec = seccache[aid]
        if sec == nil then
          sec = redis.call('HGET', p .. 'a:sec', aid) or false
          seccache[aid] = sec
        end
      end
      if sec then bump(secs, sec, 1) end
    elseif kind == 'bots' then
      bump(bots, aid, 1)
    else
      bump(dups, aid, 1)
    end
  end
end

for k, ttl in pairs(ttls) do redis.call('EXPIRE', k, ttl) end
if mode ~= 'apply' then return 'ok' end

local function pfadd(key, list)
  for s = 1, #list, 4000 do
    redis.call('PFADD', key, unpack(list, s, math.min(s + 3999, #list)))
  end
end
local function dirtykey(key, g, idx)
  redis.call('EXPIREAT', key, idx * width[g] + retention[g])
  redis.call('SADD', p .. 'dirty:k', key)
end

for name, counts in pairs({reads = reads, bots = bots, dups = dups}) do
  for aid, n in pairs(counts) do
    redis.call('HINCRBY', p .. 'a:' .. name, aid, n)
    redis.call('SADD', p .. 'dirty:a', aid)
  end
end
for aid, list in pairs(visitors) do pfadd(p .. 'uv:' .. aid, list) end
for sec, n in pairs(secs) do redis.call('HINCRBY', p .. 's:reads', sec, n) end
for g, buckets in pairs(z) do
  for idx, counts in pairs(buckets) do
    local key = p .. 'z:reads:' .. g .. ':' .. idx
    for aid, n in pairs(counts) do redis.call('ZINCRBY', key, n, aid) end
    dirtykey(key, g, idx)
  end
end
for g, buckets in pairs(site) do
  for idx, counts in pairs(buckets) do
    local key = p .. 'site:' .. g .. ':' .. idx
    for kind, n in pairs(counts) do redis.call('HINCRBY', key, kind, n) end
    dirtykey(key, g, idx)
  end
end
for day, list in pairs(dayv) do
  local key = p .. 'uvd:' .. day
  pfadd(key, list)
  dirtykey(key, 'd', day)
end
return 'ok'
