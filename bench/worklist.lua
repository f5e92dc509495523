-- wrk script for bench/worklist.py: GET /worklist/ with a logged-in, two-factor-verified
-- session. Each wrk thread (one connection each) has its own session cookie, as several tabs or
-- coordinators would; the session row is saved on every request (SESSION_SAVE_EVERY_REQUEST).
-- Counts the replies per status (only 200 counts as ok: a redirect to the login or the TOTP page
-- is a failure here), takes monotonic timestamps, and writes one JSON line of results at the end.
--
-- Settings come from the environment so that the Python driver stays the one place for them:
-- BENCH_PATH (the page), BENCH_COOKIES (session keys, comma-separated, one per thread).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local path = os.getenv("BENCH_PATH") or "/worklist/"
local cookies = {}
for key in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^,]+") do
  table.insert(cookies, key)
end

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

-- Per-thread state; globals so that done() can read them with thread:get().
sent, received, ok, bad, first_at, last_at = 0, 0, 0, 0, 0, 0
local headers = {}

function init(args)
  local key = cookies[((id - 1) % #cookies) + 1]
  headers["Cookie"] = "sessionid=" .. key
  -- As behind the TLS proxy of a deployment: the app sees HTTPS and does not redirect.
  headers["X-Forwarded-Proto"] = "https"
  headers["Accept"] = "text/html"
end

function request()
  sent = sent + 1
  if sent == 1 then
    first_at = now()
  end
  return wrk.format("GET", path, headers)
end

function response(status, _headers, _body)
  received = received + 1
  last_at = now()
  if status == 200 then
    ok = ok + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, _requests)
  local sent_all, received_all, ok_all, bad_all = 0, 0, 0, 0
  local first, last = nil, nil
  for _, thread in ipairs(threads) do
    sent_all = sent_all + (thread:get("sent") or 0)
    received_all = received_all + (thread:get("received") or 0)
    ok_all = ok_all + (thread:get("ok") or 0)
    bad_all = bad_all + (thread:get("bad") or 0)
    local f, l = thread:get("first_at"), thread:get("last_at")
    if f and f > 0 and (first == nil or f < first) then
      first = f
    end
    if l and (last == nil or l > last) then
      last = l
    end
  end
  local e = summary.errors
  io.stdout:write(
    string.format(
      'BENCH_JSON {"threads":%d,"sent":%d,"received":%d,"ok":%d,"bad_status":%d,'
        .. '"socket_errors":%d,"wrk_requests":%d,"wrk_duration_us":%d,"span_s":%.6f,'
        .. '"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      #threads,
      sent_all,
      received_all,
      ok_all,
      bad_all,
      e.connect + e.read + e.write + e.timeout,
      summary.requests,
      summary.duration,
      (first and last) and (last - first) or 0,
      latency:percentile(50),
      latency:percentile(90),
      latency:percentile(95),
      latency:percentile(99),
      latency.max,
      latency.mean
    )
  )
end
