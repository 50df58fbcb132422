-- wrk script for scripts/loadtest: POSTs search bodies to the URL's path, cycling through a
-- file with one JSON body per line, and prints a JSON summary at the end.
--   wrk -t2 -c8 -d10s --latency -s bench/loadtest/search.lua \
--       http://127.0.0.1:8080/collections/fashion/search -- bodies.jsonl [API_KEY]
-- Requests are formatted once per thread in init(), so the Lua side costs nothing per request.

local requests = {}
local next_request = 1

function init(args)
  local path = args[1]
  if path == nil then
    error("search.lua: pass the bodies file after --")
  end
  local headers = { ["Content-Type"] = "application/json" }
  if args[2] ~= nil and args[2] ~= "" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  local file = io.open(path, "r")
  if file == nil then
    error("search.lua: cannot open " .. path)
  end
  for line in file:lines() do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", wrk.path, headers, line)
    end
  end
  file:close()
  if #requests == 0 then
    error("search.lua: no bodies in " .. path)
  end
  -- Threads start at different places so they do not send the same queries in lockstep.
  next_request = (math.random(#requests) - 1) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
