-- wrk script: POST the body in $BODY_FILE to /api/v1/referrals as the signed-in referrer
-- ($COOKIE), each request with its own Idempotency-Key so that every one makes a referral.
local body = io.open(os.getenv("BODY_FILE")):read("*a")
local cookie = os.getenv("COOKIE")
local threads = {}
local counter = 0
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
end

function init(args)
  created, other = 0, 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/referrals", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", os.time(), thread_id, counter),
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local made, failed = 0, 0
  for _, thread in ipairs(threads) do
    made = made + thread:get("created")
    failed = failed + thread:get("other")
  end
  io.write(string.format("requests/s %.0f  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  201: %d  other: %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, made, failed))
end
