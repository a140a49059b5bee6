-- Apply a group of views.recorded batches (consecutive messages of one partition)
-- atomically, following a plan worked out by analytics.domain.plan (read its docstring).
-- ARGV: 1 key names (JSON: the prefix, whole keys, and the stems ids are added to), 2 expected meta state, 3 offset field ("topic:partition"),
--  4 mode ("apply" | "prime"), 5 applied-marker ttl, 6 dedup key ttl (s),
--  7 distinct reads per minute before a visitor behaves as a bot,
--  8 offset of the group's last message, 9/10/11 retention (s) of minute/hour/day
--  buckets from the bucket's start, 12 JSON list of the batches' event ids,
--  13 the plan (JSON), 14..18 per candidate: article, slot, minute, flags, admission
--  pair (little-endian uint32 arrays; the last empty when the plan has no pairs),
--  19 new anonymous visitors one address may add per address window,
--  20 admission key ttl (s), 21 accounts one address may add per address window.
-- Returns one status per batch: 'ok', or 'dup' when every batch was applied before
-- (nothing is counted twice); when only some were, 'dup' and 'again' with nothing
-- written, and the caller plans again without the applied ones. Or 'nometa' / 'frozen'.
-- The plan holds every aggregate as if each first read were new and by a person; this
-- script finds the exceptions Redis knows of (reads seen earlier in the dedup window,
-- visitors past the reads-per-minute limit, anonymous visitors an address adds past its
-- limit) and takes them out before writing; and which reads the hot ranking counts
-- (one per article, address and dedup bucket).
-- A redis.call costs far more than the command it runs, so commands are batched.
-- Key names come from analytics.adapters.keys.Keys.counting_script_names; they share one
-- hash tag, so on a Redis Cluster the call runs on the primary of that one slot (KEYS[1]).
local K = cjson.decode(ARGV[1])  -- key names, from analytics.adapters.keys
local p = K.prefix
if redis.call('GET', K.meta) ~= ARGV[2] then return 'nometa' end
if redis.call('EXISTS', K.freeze) == 1 then return 'frozen' end
local field, mode = ARGV[3], ARGV[4]
local ddttl, rlimit = tonumber(ARGV[6]), tonumber(ARGV[7])
local retention = {m = tonumber(ARGV[9]), h = tonumber(ARGV[10]), d = tonumber(ARGV[11])}
local width = {m = 60, h = 3600, d = 86400}
local NAMES = {'reads', 'bots', 'dups'}
local KIND = {reads = 1, bots = 2, dups = 3}
local NORMAL_BOT, OVER_LIMIT_ONLY, RANKED = 1, 2, 4
local CHUNK = 3000

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
local sunpack = struct.unpack
local function u32(s, i) return (sunpack('<I4', s, 4 * i - 3)) end

-- 1. applied markers: the group is applied whole, or not at all
local ids = cjson.decode(ARGV[12])
local statuses, applied = {}, 0
for i, id in ipairs(ids) do
  if redis.call('EXISTS', K.applied .. id) == 1 then
    statuses[i] = 'dup'; applied = applied + 1
  else
    statuses[i] = 'again'
  end
end
local function advance_offset()
  if mode == 'apply' and field ~= '' then
    local last = tonumber(ARGV[8])
    local cur = tonumber(redis.call('HGET', K.offsets, field) or '-1')
    if last + 1 > cur then redis.call('HSET', K.offsets, field, last + 1) end
  end
end
if applied == #ids then advance_offset(); return statuses end
if applied > 0 then return statuses end
for i, id in ipairs(ids) do
  redis.call('SET', K.applied .. id, '1', 'EX', ARGV[5])
  statuses[i] = 'ok'
end
advance_offset()

local plan = cjson.decode(ARGV[13])
local c_article, c_slot, c_minute, c_flags = ARGV[14], ARGV[15], ARGV[16], ARGV[17]
local c_pair = ARGV[18]
local exceptions = {}  -- candidate -> the kind it turned out to be ('dups' | 'bots')
local fields = {}  -- candidate -> its dedup field "article:visitor"

-- 2. dedup window: a first read whose field its bucket's set holds is a repeat
for _, g in ipairs(plan.dedup) do
  local key, list, cands = K.dedup .. g[1], g[2], g[3]  -- no cands: 1, 2, ...
  local seen = chunked('SMISMEMBER', key, list, 1)
  local fresh, k = {}, 0
  for j = 1, #list do
    local c = cands and cands[j] or j
    fields[c] = list[j]
    if seen[j] == 1 then exceptions[c] = 'dups'
    else k = k + 1; fresh[k] = list[j] end
  end
  if k > 0 then chunked('SADD', key, fresh, 1) end
  redis.call('EXPIRE', key, ddttl)
end

-- 3. behaviour: distinct reads per visitor and minute, counted in view order
local repeats_in = {}  -- slot -> its candidates that were repeats
for cand in pairs(exceptions) do
  local s = u32(c_slot, cand)
  repeats_in[s] = (repeats_in[s] or 0) + 1
end
local before, risky, any_risky = {}, {}, false
for _, g in ipairs(plan.rate) do
  local current = chunked('HMGET', K.rate .. g[1], g[2], 1)
  local counts, slots = g[3], g[4]  -- no slots: 1, 2, ...
  for j = 1, #counts do
    local s = slots and slots[j] or j
    local n = tonumber(current[j]) or 0
    before[s] = n
    if n + counts[j] - (repeats_in[s] or 0) > rlimit then risky[s] = {}; any_risky = true end
  end
end
if any_risky then
  -- the risky visitors' reads in view order; those past the limit are bots
  for cand = 1, #c_slot / 4 do
    local list = risky[u32(c_slot, cand)]
    if list then list[#list + 1] = cand end
  end
  for s, list in pairs(risky) do
    local n = before[s]
    for _, cand in ipairs(list) do
      if not exceptions[cand] then
        n = n + 1
        if n > rlimit and u32(c_flags, cand) % 4 == OVER_LIMIT_ONLY then exceptions[cand] = 'bots' end
      end
    end
  end
end
for _, g in ipairs(plan.rate) do
  local visitors, counts, slots = g[2], g[3], g[4]
  local flat, k = {}, 0
  for j = 1, #counts do
    local s = slots and slots[j] or j
    local fresh = counts[j] - (repeats_in[s] or 0)
    if fresh > 0 then flat[k + 1] = visitors[j]; flat[k + 2] = before[s] + fresh; k = k + 2 end
  end
  if k > 0 then
    local key = K.rate .. g[1]
    chunked('HSET', key, flat, 2)
    redis.call('EXPIRE', key, 180)
  end
end

-- 3b. new visitors per address: an address window admits at most `alimit` anonymous
-- visitors (person's agent) and `mlimit` accounts per address, in view order; reads (not
-- repeats) of the visitors past them are counted as repeats
if plan.admission and #c_pair > 0 then
  local alimit, attl, mlimit = tonumber(ARGV[19]), tonumber(ARGV[20]), tonumber(ARGV[21])
  local repeats_of = {}  -- pair number -> its candidates that are repeats (the dedup window)
  for cand, kind in pairs(exceptions) do
    local pr = u32(c_pair, cand)
    if kind == 'dups' and pr > 0 then repeats_of[pr] = (repeats_of[pr] or 0) + 1 end
  end
  local groups, any_risky = {}, false
  for gi, g in ipairs(plan.admission) do
    local plist, refs, addrs, counts, numbers = g[2], g[3], g[4], g[5], g[6]
    local fields, np = {}, #plist
    for j = 1, np do fields[j] = plist[j] end
    for j = 1, #addrs do fields[np + j] = addrs[j] end
    local current = chunked('HMGET', K.admission .. g[1], fields, 1)
    local have, wanting, known, risky, limit = {}, {}, {}, {}, {}
    for j = 1, #addrs do
      have[j] = tonumber(current[np + j]) or 0; wanting[j] = 0
      limit[j] = string.byte(addrs[j]) == 43 and mlimit or alimit  -- '+': accounts
    end
    for j = 1, np do
      known[j] = current[j] ~= false
      if not known[j] and counts[j] > (repeats_of[numbers[j]] or 0) then
        wanting[refs[j]] = wanting[refs[j]] + 1
      end
    end
    for j = 1, #addrs do
      if have[j] + wanting[j] > limit[j] then risky[j] = true; any_risky = true end
    end
    groups[gi] = {have = have, known = known, risky = risky, limit = limit, admitted = {}}
  end
  if any_risky then
    local where = {}  -- pair number -> group, index
    for gi, g in ipairs(plan.admission) do
      for j, number in ipairs(g[6]) do where[number] = {gi, j} end
    end
    for cand = 1, #c_pair / 4 do
      local pr = u32(c_pair, cand)
      if pr > 0 and exceptions[cand] ~= 'dups' then
        local gi, j = where[pr][1], where[pr][2]
        local grp, ref = groups[gi], plan.admission[gi][3][where[pr][2]]
        if grp.risky[ref] and not grp.known[j] then
          if grp.have[ref] < grp.limit[ref] then
            grp.known[j] = true; grp.admitted[j] = true; grp.have[ref] = grp.have[ref] + 1
          else
            exceptions[cand] = 'dups'
          end
        end
      end
    end
  end
  for gi, g in ipairs(plan.admission) do
    local plist, refs, counts, numbers = g[2], g[3], g[5], g[6]
    local grp = groups[gi]
    local flat, k, changed = {}, 0, {}
    for j = 1, #plist do
      local ref = refs[j]
      if not grp.risky[ref] and not grp.known[j] and counts[j] > (repeats_of[numbers[j]] or 0) then
        grp.admitted[j] = true; grp.have[ref] = grp.have[ref] + 1
      end
      if grp.admitted[j] then
        flat[k + 1] = plist[j]; flat[k + 2] = 1; k = k + 2; changed[ref] = true
      end
    end
    for ref in pairs(changed) do
      flat[k + 1] = g[4][ref]; flat[k + 2] = grp.have[ref]; k = k + 2
    end
    if k > 0 then
      local key = K.admission .. g[1]
      chunked('HSET', key, flat, 2)
      redis.call('EXPIRE', key, attl)
    end
  end
end
-- 3c. ranking: the first counted read of an (article, address) in the dedup bucket claims
-- it (its member in the bucket's set) and is ranked, unless the set holds the claim
-- already
local unranked, promoted = {}, {}  -- candidates the plan ranked but are not / the reverse
for _, g in ipairs(plan.ranking or {}) do
  local key, claims, firsts = K.dedup .. g[1], g[2], g[3]
  local later = {}
  for _, entry in ipairs(g[4]) do later[entry[1]] = entry[2] end
  local seen = chunked('SMISMEMBER', key, claims, 1)
  local fresh, k = {}, 0
  for j = 1, #claims do
    local first = firsts[j]
    if seen[j] == 1 then
      unranked[first] = true
    else
      local claimer = nil
      if not exceptions[first] then
        claimer = first
      elseif later[j] then
        for _, c in ipairs(later[j]) do
          if not exceptions[c] then claimer = c; break end
        end
      end
      if claimer then k = k + 1; fresh[k] = claims[j] end
      if claimer ~= first then
        unranked[first] = true
        if claimer then promoted[claimer] = true end
      end
    end
  end
  if k > 0 then chunked('SADD', key, fresh, 1) end  -- the key has its ttl from step 2
end

if mode ~= 'apply' then return statuses end

-- 4. take the exceptions out of the plan's aggregates
local a, counts, buckets, minutes = plan.articles, plan.counts, plan.buckets, plan.minutes
local zm = plan.minute_reads  -- reads per article of each minute; absent for one minute (then: counts)
local uv_out, day_out = {}, {}  -- article / day -> visitor -> reads to leave out
local function leave_out(outs, i, visitor)
  local x = outs[i]
  if not x then x = {}; outs[i] = x end
  x[visitor] = (x[visitor] or 0) + 1
end
for cand, kind in pairs(exceptions) do
  local from = (u32(c_flags, cand) % 2 == NORMAL_BOT) and KIND.bots or KIND.reads
  local to = KIND[kind]
  if from ~= to then
    local ai, mi = u32(c_article, cand), u32(c_minute, cand)
    counts[from][ai] = counts[from][ai] - 1
    counts[to][ai] = counts[to][ai] + 1
    local refs = minutes[mi]
    for r = 1, 3 do
      local b = buckets[refs[r]]
      b[2 + from] = b[2 + from] - 1
      b[2 + to] = b[2 + to] + 1
    end
    if from == KIND.reads then
      if zm then zm[mi][ai] = zm[mi][ai] - 1 end
      local visitor = string.sub(fields[cand], #a[ai] + 2)
      leave_out(uv_out, ai, visitor)
      leave_out(day_out, refs[4], visitor)
    end
  end
end
-- ranked reads: a ranked candidate that is not counted is not ranked
for cand in pairs(exceptions) do
  if u32(c_flags, cand) >= RANKED then unranked[cand] = true end
  promoted[cand] = nil
end
-- the reads the ranking leaves out (counted, not ranked) per minute and hour bucket; none
-- without addressed views (then every counted read is ranked)
local mr = plan.minute_ranked  -- per minute, ranked reads per article
local bucket_unranked = {}
if mr then
  for cand in pairs(unranked) do
    local row, ai = mr[u32(c_minute, cand)], u32(c_article, cand)
    row[ai] = row[ai] - 1
  end
  for cand in pairs(promoted) do
    local row, ai = mr[u32(c_minute, cand)], u32(c_article, cand)
    row[ai] = row[ai] + 1
  end
  for mi, refs in ipairs(minutes) do
    local ranked, reads = mr[mi], (zm and zm[mi] or counts[KIND.reads])
    for r = 1, 2 do  -- the hot windows read minute and hour buckets
      local sum = bucket_unranked[refs[r]]
      if not sum then
        sum = {}
        for i = 1, #a do sum[i] = 0 end
        bucket_unranked[refs[r]] = sum
      end
      for i = 1, #a do sum[i] = sum[i] + reads[i] - ranked[i] end
    end
  end
end
local function without(list, out)
  if not out then return list end
  local kept, n = {}, 0
  for i = 1, #list do
    local v = list[i]
    local left = out[v]
    if left and left > 0 then out[v] = left - 1 else n = n + 1; kept[n] = v end
  end
  return kept
end
-- each bucket's reads per article: the sum of its minutes'
local bucket_reads = {}
if not zm then
  for r = 1, 3 do bucket_reads[minutes[1][r]] = counts[KIND.reads] end
else
  for mi, refs in ipairs(minutes) do
    local reads = zm[mi]
    for r = 1, 3 do
      local sum = bucket_reads[refs[r]]
      if not sum then
        sum = {}
        for i = 1, #a do sum[i] = 0 end
        bucket_reads[refs[r]] = sum
      end
      for i = 1, #a do sum[i] = sum[i] + reads[i] end
    end
  end
end

-- 5. write: counters, dirty articles, HyperLogLogs, time buckets
local function add_aligned(key, values, read_cmd, write_cmd, score_first)
  local members, adds, k = {}, {}, 0
  for i = 1, #a do
    local n = values[i]
    if n ~= 0 then k = k + 1; members[k] = a[i]; adds[k] = n end
  end
  if k == 0 then return false end
  local current = chunked(read_cmd, key, members, 1)
  local flat = {}
  for j = 1, k do
    local n = (tonumber(current[j]) or 0) + adds[j]
    if score_first then flat[2 * j - 1] = n; flat[2 * j] = members[j]
    else flat[2 * j - 1] = members[j]; flat[2 * j] = n end
  end
  chunked(write_cmd, key, flat, 2)
  return true
end
for k = 1, 3 do add_aligned(K.counters[k], counts[k], 'HMGET', 'HSET', false) end
chunked('SADD', K.dirty_articles, a, 1)
local today, nt = {}, 0  -- one day: its visitors are the articles' (after leaving out)
for i = 1, #a do
  local list = plan.visitors[i]
  if #list > 0 then
    list = without(list, uv_out[i])
    if #list > 0 then chunked('PFADD', K.uniques .. a[i], list, 1) end
    if plan.day then
      for j = 1, #list do nt = nt + 1; today[nt] = list[j] end
    end
  end
end
if plan.day then
  if nt > 0 then chunked('PFADD', K.day_uniques .. plan.day, today, 1) end
else
  for d, entry in ipairs(plan.days) do
    local list = without(entry[2], day_out[d])
    if #list > 0 then chunked('PFADD', K.day_uniques .. entry[1], list, 1) end
  end
end
local dirtykeys = {}
local function dirtykey(key, g, idx)
  redis.call('EXPIREAT', key, idx * width[g] + retention[g])
  dirtykeys[#dirtykeys + 1] = string.sub(key, #p + 1)  -- names without the prefix
end
for b, entry in ipairs(buckets) do
  local g, idx = entry[1], entry[2]
  local key = K.reads_buckets .. g .. ':' .. idx
  if add_aligned(key, bucket_reads[b], 'ZMSCORE', 'ZADD', true) then dirtykey(key, g, idx) end
  if bucket_unranked[b] then
    key = K.unranked_buckets .. g .. ':' .. idx
    if add_aligned(key, bucket_unranked[b], 'ZMSCORE', 'ZADD', true) then dirtykey(key, g, idx) end
  end
  key = K.sites .. g .. ':' .. idx
  local any = false
  for k = 1, 3 do
    if entry[2 + k] ~= 0 then redis.call('HINCRBY', key, NAMES[k], entry[2 + k]); any = true end
  end
  if any then
    dirtykey(key, g, idx)
    if g == 'd' then dirtykeys[#dirtykeys + 1] = string.sub(K.day_uniques .. idx, #p + 1) end
  end
end
if #dirtykeys > 0 then redis.call('SADD', K.dirty_keys, unpack(dirtykeys)) end
return statuses
