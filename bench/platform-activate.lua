-- bench/platform-activate.lua: wrk script that activates AGENTS agents
-- through the real POST /agent/v1/activate and appends each credential
-- to CREDS_FILE. Run with one thread (-t1); it exits when done.
local want = tonumber(os.getenv("AGENTS") or "10000")
local activation_id = os.getenv("ACTIVATION_ID")
local customer_id = os.getenv("CUSTOMER_ID")
local got, sent, out = 0, 0, nil
local headers = { ["Content-Type"] = "application/json" }

function init(args)
	out = assert(io.open(os.getenv("CREDS_FILE"), "w"))
end

function request()
	sent = sent + 1
	local body = string.format('{"activation_id":"%s","customer_id":"%s",' ..
	    '"host":{"hostname":"bench-%d","os":"Debian GNU/Linux",' ..
	    '"os_version":"12","arch":"x86_64","agent_version":"0.1.0"}}',
	    activation_id, customer_id, sent)
	return wrk.format("POST", "/agent/v1/activate", headers, body)
end

function response(status, headers, body)
	if status ~= 201 then
		return
	end
	local cred = body:match('"credential":"([^"]+)"')
	if cred and got < want then
		out:write(cred, "\n")
		got = got + 1
		if got == want then
			-- wrk has no request count limit: the job is done.
			out:close()
			os.exit(0)
		end
	end
end
