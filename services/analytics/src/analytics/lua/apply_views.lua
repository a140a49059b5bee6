-- Apply a group of views.recorded batches (consecutive messages of one partition)
-- atomically; a batch whose event id was applied before counts nothing.
-- ARGV: 1 prefix, 2 expected meta state, 3 offset field ("topic:partition"),
--  4 mode ("apply" | "prime"), 5 applied-marker ttl, 6 dedup key ttl (s),
--  7 distinct reads per minute before a visitor behaves as a bot, 8 bot threshold (x100),
--  9/10/11 retention (s) of minute/hour/day buckets from the bucket's start,
--  12 JSON [[event id, offset, [[article, visitor, unused, ua score x100, dedup bucket,
--     minute]...]]...]
-- Returns one status per batch ('ok' | 'dup'), or 'nometa' / 'frozen' for all of them.
-- A redis.call costs far more than the command it runs, so commands are batched
-- (HMGET/HSET, ZMSCORE/ZADD, one PFADD per article) and per-view work is table arithmetic.
-- Keys are built from the prefix (single Redis, not cluster).
local p = ARGV[1]
if redis.call('GET', p .. 'meta') ~= ARGV[2] then return 'nometa' end
if redis.call('EXISTS', p .. 'freeze') == 1 then return 'frozen' end
local field, mode = ARGV[3], ARGV[4]
local ddttl, rlimit, thr = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local retention = {m = tonumber(ARGV[9]), h = tonumber(ARGV[10]), d = tonumber(ARGV[11])}
local width = {m = 60, h = 3600, d = 86400}
local CHUNK = 3000
local floor, byte = math.floor, string.byte

local function chunked(cmd, key, list, step)
  local out, n = {}, 0
  for s = 1, #list, CHUNK * step do
    local part = redis.call(cmd, key, unpack(list, s, math.min(s + CHUNK * step - 1, #list)))
    if type(part) == 'table' then
      for j = 1, #part do n = n + 1; out[n] = part[j] end
    end
  end
  return out
end

-- 1. applied-markers: which batches are new
local statuses, rows, nrows, last = {}, {}, 0, -1
for i, m in ipairs(cjson.decode(ARGV[12])) do
  if m[2] > last then last = m[2] end
  if redis.call('SET', p .. 'ap:' .. m[1], '1', 'NX', 'EX', ARGV[5]) then
    statuses[i] = 'ok'
    local views = m[3]
    for j = 1, #views do nrows = nrows + 1; rows[nrows] = views[j] end
  else
    statuses[i] = 'dup'
  end
end
if mode == 'apply' and field ~= '' then
  local cur = tonumber(redis.call('HGET', p .. 'off', field) or '-1')
  if last + 1 > cur then redis.call('HSET', p .. 'off', field, last + 1) end
end

-- groups of views sharing one hash key: (bucket, first character of the visitor)
local function grouped(slot)
  local groups = {}
  return groups, function(i, v)
    local b, s = v[slot], byte(v[2])
    local gb = groups[b]
    if not gb then gb = {}; groups[b] = gb end
    local g = gb[s]
    if not g then g = {f = {}, at = {}, n = 0}; gb[s] = g end
    local n = g.n + 1
    g.n = n
    g.at[n] = i
    return g, n
  end
end
local function each_group(groups, prefix, fn)
  for b, gb in pairs(groups) do
    for s, g in pairs(gb) do fn(p .. prefix .. b .. ':' .. string.char(s), g) end
  end
end

-- 2. dedup window: a (article, visitor) seen in the same window bucket is a repeat
local dd, add_dd = grouped(5)
for i = 1, nrows do
  local v = rows[i]
  local g, n = add_dd(i, v)
  g.f[n] = v[1] .. ':' .. v[2]
end
local repeats = {}
each_group(dd, 'dd:', function(key, g)
  local seen = chunked('HMGET', key, g.f, 1)
  local fresh, mark, k = {}, {}, 0
  for j = 1, g.n do
    local f = g.f[j]
    if seen[j] or mark[f] then repeats[g.at[j]] = true
    else mark[f] = true; fresh[k + 1] = f; fresh[k + 2] = '1'; k = k + 2 end
  end
  if k > 0 then chunked('HSET', key, fresh, 2) end
  redis.call('EXPIRE', key, ddttl)
end)

-- 3. behaviour: distinct reads per visitor and minute, counted in view order
local rt, add_rt = grouped(6)
local owner = {}
for i = 1, nrows do
  if not repeats[i] then
    local v = rows[i]
    local g, n = add_rt(i, v)
    g.f[n] = v[2]
    owner[i] = g
  end
end
each_group(rt, 'rt:', function(key, g)
  local current = chunked('HMGET', key, g.f, 1)
  g.count = {}
  for j = 1, g.n do
    if g.count[g.f[j]] == nil then g.count[g.f[j]] = tonumber(current[j]) or 0 end
  end
end)
local kinds = {}
for i = 1, nrows do
  local g = owner[i]
  if g == nil then kinds[i] = 'dups'
  else
    local vis = rows[i][2]
    local n = g.count[vis] + 1
    g.count[vis] = n
    local score = rows[i][4]
    if n > rlimit then score = score + 100 end
    kinds[i] = score >= thr and 'bots' or 'reads'
  end
end
each_group(rt, 'rt:', function(key, g)
  local flat, k = {}, 0
  for vis, n in pairs(g.count) do flat[k + 1] = vis; flat[k + 2] = n; k = k + 2 end
  chunked('HSET', key, flat, 2)
  redis.call('EXPIRE', key, 180)
end)
if mode ~= 'apply' then return statuses end

-- 4. aggregate per minute, roll minutes up to hours and days, then write
local counters = {reads = {}, bots = {}, dups = {}}
local perminute, sitem, visitors, dayv = {}, {}, {}, {}
for i = 1, nrows do
  local v, kind = rows[i], kinds[i]
  local aid, minute = v[1], v[6]
  local c = counters[kind]
  c[aid] = (c[aid] or 0) + 1
  local sm = sitem[minute]
  if not sm then sm = {}; sitem[minute] = sm end
  sm[kind] = (sm[kind] or 0) + 1
  if kind == 'reads' then
    local pm = perminute[minute]
    if not pm then pm = {}; perminute[minute] = pm end
    pm[aid] = (pm[aid] or 0) + 1
    local list = visitors[aid]
    if not list then list = {}; visitors[aid] = list end
    list[#list + 1] = v[2]
    local day = floor(minute / 1440)
    list = dayv[day]
    if not list then list = {}; dayv[day] = list end
    list[#list + 1] = v[2]
  end
end
local z = {m = perminute, h = {}, d = {}}
local site = {m = sitem, h = {}, d = {}}
for _, g in ipairs({'h', 'd'}) do
  local per = width[g] / 60
  for minute, counts in pairs(perminute) do
    local idx = floor(minute / per)
    local t = z[g][idx]
    if not t then t = {}; z[g][idx] = t end
    for aid, n in pairs(counts) do t[aid] = (t[aid] or 0) + n end
  end
  for minute, counts in pairs(sitem) do
    local idx = floor(minute / per)
    local t = site[g][idx]
    if not t then t = {}; site[g][idx] = t end
    for kind, n in pairs(counts) do t[kind] = (t[kind] or 0) + n end
  end
end

local function add_counts(key, counts, read_cmd, write_cmd, score_first)
  local members, k = {}, 0
  for m in pairs(counts) do k = k + 1; members[k] = m end
  if k == 0 then return end
  local current = chunked(read_cmd, key, members, 1)
  local flat = {}
  for j = 1, k do
    local m = members[j]
    local n = (tonumber(current[j]) or 0) + counts[m]
    if score_first then flat[2 * j - 1] = n; flat[2 * j] = m
    else flat[2 * j - 1] = m; flat[2 * j] = n end
  end
  chunked(write_cmd, key, flat, 2)
end
local dirtykeys = {}
local function dirtykey(key, g, idx)
  redis.call('EXPIREAT', key, idx * width[g] + retention[g])
  dirtykeys[#dirtykeys + 1] = string.sub(key, #p + 1)  -- names without the prefix
end

local dirty = {}
for name, counts in pairs(counters) do
  add_counts(p .. 'a:' .. name, counts, 'HMGET', 'HSET', false)
  for aid in pairs(counts) do dirty[aid] = true end
end
local dirtylist = {}
for aid in pairs(dirty) do dirtylist[#dirtylist + 1] = aid end
if #dirtylist > 0 then chunked('SADD', p .. 'dirty:a', dirtylist, 1) end
for aid, list in pairs(visitors) do chunked('PFADD', p .. 'uv:' .. aid, list, 1) end
for day, list in pairs(dayv) do chunked('PFADD', p .. 'uvd:' .. day, list, 1) end
for g, buckets in pairs(z) do
  for idx, counts in pairs(buckets) do
    local key = p .. 'z:reads:' .. g .. ':' .. idx
    add_counts(key, counts, 'ZMSCORE', 'ZADD', true)
    dirtykey(key, g, idx)
  end
end
for g, buckets in pairs(site) do
  for idx, counts in pairs(buckets) do
    local key = p .. 'site:' .. g .. ':' .. idx
    for kind, n in pairs(counts) do redis.call('HINCRBY', key, kind, n) end
    dirtykey(key, g, idx)
    if g == 'd' then dirtykeys[#dirtykeys + 1] = 'uvd:' .. idx end
  end
end
if #dirtykeys > 0 then redis.call('SADD', p .. 'dirty:k', unpack(dirtykeys)) end
return statuses
