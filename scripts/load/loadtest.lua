-- wrk script for scripts/loadtest.py: mixed traffic from a plan file, paced to a target
-- rate, one line per response so that Python can judge every answer.
--
-- Run as `wrk -t N -c N -s loadtest.lua URL -- PLAN OUT_DIR RATE N`: one connection per
-- thread, so a response always answers the request its thread sent last (wrk does not
-- say which connection a response came on). PLAN has one "index<TAB>path" per line;
-- each thread walks it from its own offset. RATE is requests per second for the whole
-- run (0: as fast as the server answers). Each thread writes OUT_DIR/t<id>.tsv:
--   request id, plan index, status, latency in microseconds, data_version (or "-"),
--   how many "data_version" keys the body has, monotonic time the request was sent.
-- Times come from CLOCK_MONOTONIC, the clock of Python's time.monotonic().

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } loadtest_timespec;
int clock_gettime(int clk_id, loadtest_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("loadtest_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local paths, indexes = {}, {}
local pos, sent_at, pending_index = 0, 0, 0
local interval, start, scheduled = 0, 0, 0
local out
local sent, answered = 0, 0

function init(args)
  local plan, out_dir, rate, n = args[1], args[2], tonumber(args[3]), tonumber(args[4])
  for line in io.lines(plan) do
    local index, path = line:match("^(%d+)\t(.+)$")
    if index then
      indexes[#indexes + 1] = tonumber(index)
      paths[#paths + 1] = path
    end
  end
  -- Threads start spread over the plan and over one pacing interval.
  pos = math.floor((id - 1) * #paths / n)
  if rate > 0 then
    interval = n / rate
  end
  start = now() + interval * (id - 1) / n
  out = io.open(out_dir .. "/t" .. id .. ".tsv", "w")
  -- Line-buffered: wrk never closes a thread's files, so nothing may wait in a buffer.
  out:setvbuf("line")
end

function delay()
  if interval == 0 then
    return 0
  end
  local due = start + scheduled * interval
  scheduled = scheduled + 1
  local wait = (due - now()) * 1000
  if wait < 1 then
    return 0 -- behind schedule: send now (open loop, catching up)
  end
  return math.floor(wait)
end

function request()
  pos = pos % #paths + 1
  pending_index = indexes[pos]
  sent = sent + 1
  sent_at = now()
  local rid = string.format("r%02d%08d", id, sent)
  return wrk.format("GET", paths[pos], { ["X-Request-ID"] = rid })
end

function response(status, headers, body)
  local took = now() - sent_at
  answered = answered + 1
  local version = body:match('"data_version":"([^"]*)"') or "-"
  local _, keys = body:gsub('"data_version":', "")
  out:write(string.format(
    "r%02d%08d\t%d\t%d\t%d\t%s\t%d\t%.6f\n",
    id, sent, pending_index, status, math.floor(took * 1e6), version, keys, sent_at
  ))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "timeout": %d, "status": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status
  ))
end
