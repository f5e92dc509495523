-- wrk script for bench/fhir_measures.py: one connection per wrk thread, a fresh body (unique
-- identifier, varied answers) per POST, status counts and monotonic timestamps per thread, and
-- one JSON line of results at the end.
--
-- A thread that has had BENCH_QUOTA responses says so on stderr and goes on sending: the driver
-- stops wrk (SIGINT) once every thread has. Stopping a thread by itself would leave wrk's next,
-- already opened connection idle, and an idle connection holds a gunicorn sync worker.
--
-- Settings come from the environment so that the Python driver stays the one place for them:
-- BENCH_MODE (post|get), BENCH_TOKEN, BENCH_PATH, BENCH_QUOTA (requests per thread),
-- BENCH_PATIENT (POST subject id), BENCH_RUN (identifier prefix).

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

local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN") or ""
local path = os.getenv("BENCH_PATH") or "/"
local quota = tonumber(os.getenv("BENCH_QUOTA") or "100")
local patient = os.getenv("BENCH_PATIENT") or "0"
local run = os.getenv("BENCH_RUN") or "run"

local CODES = { "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9" }

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

-- Per-thread state. Each wrk thread has its own Lua state; these are globals so that done()
-- can read them with thread:get() even when the time limit stopped a thread before its quota.
sent, received, ok, bad, first_at, last_at = 0, 0, 0, 0, 0, 0
local headers = {}

function init(args)
  headers["Authorization"] = "Bearer " .. token
  headers["Accept"] = "application/fhir+json"
  if mode == "post" then
    headers["Content-Type"] = "application/fhir+json"
  end
end

-- Items 1-8 vary; item 9 (thoughts of self-harm) is always "not at all": a risk answer also
-- queues a task that e-mails the coordinators after commit, another path than the one measured here.
local function phq9_body(n)
  local items = {}
  for i = 1, 9 do
    local code = (i == 9) and CODES[1] or CODES[((n + i * 7 + id) % 4) + 1]
    items[i] = string.format(
      '{"linkId":"phq9-%d","answer":[{"valueCoding":{"system":"http://loinc.org","code":"%s"}}]}',
      i,
      code
    )
  end
  return string.format(
    '{"resourceType":"QuestionnaireResponse","status":"completed",'
      .. '"questionnaire":"https://samplan.no/fhir/Questionnaire/phq9|1.0.0",'
      .. '"identifier":{"system":"https://samplan.no/bench","value":"%s-%d-%d"},'
      .. '"subject":{"reference":"Patient/%s"},"item":[%s]}',
    run,
    id,
    n,
    patient,
    table.concat(items, ",")
  )
end

function request()
  sent = sent + 1
  if sent == 1 then
    first_at = now()
  end
  if mode == "post" then
    return wrk.format("POST", path, headers, phq9_body(sent))
  end
  return wrk.format("GET", path, headers)
end

function response(status, _headers, _body)
  received = received + 1
  last_at = now()
  local expected = (mode == "post") and 201 or 200
  if status == expected then
    ok = ok + 1
  else
    bad = bad + 1
  end
  if received == quota then
    io.stderr:write("BENCH_THREAD_DONE\n")
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
      'BENCH_JSON {"threads_finished":%d,"sent":%d,"received":%d,"ok":%d,"bad_status":%d,'
        .. '"socket_errors":%d,"wrk_requests":%d,"wrk_duration_us":%d,"span_s":%.6f,'
        .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
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
      latency:percentile(95),
      latency:percentile(99),
      latency.max,
      latency.mean
    )
  )
end
