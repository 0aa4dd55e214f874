-- bench/platform-heartbeat.lua: wrk script that sends heartbeats, each
-- with the next agent credential of CREDS_FILE (threads start at
-- different offsets), and prints requests/s, p99 latency and non-2xx.
local body = '{"status":"running","agent_version":"0.1.0",' ..
    '"profile_version":1,"manifest_versions":{"inventory":1,"fim":1,' ..
    '"vulnsigs":1},"fim":{"state":"unicast"},' ..
    '"correlation":{"listeners":["127.0.0.1:10001"]}}'
local creds, i = {}, 0
local nthreads = 0

function setup(thread)
	thread:set("index", nthreads)
	nthreads = nthreads + 1
end

function init(args)
	for line in io.lines(os.getenv("CREDS_FILE")) do
		creds[#creds + 1] = line
	end
	i = (index or 0) * 7919 % #creds
end

function request()
	i = i % #creds + 1
	return wrk.format("POST", "/agent/v1/heartbeat", {
		["Authorization"] = "Bearer " .. creds[i],
		["Content-Type"] = "application/json",
	}, body)
end

function done(summary, latency, requests)
	local non2xx = summary.errors.status
	local errors = summary.errors.connect + summary.errors.read +
	    summary.errors.write + summary.errors.timeout
	io.write(string.format("RESULT rps=%.1f p99_ms=%.3f requests=%d " ..
	    "non2xx=%d errors=%d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(99) / 1000, summary.requests, non2xx, errors))
end
