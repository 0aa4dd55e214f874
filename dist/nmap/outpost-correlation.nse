local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

description = [[
Reports the correlation ID of an outpost agent (agent scan merge).

With agent scan merge enabled in its configuration profile, the outpost
agent (outpostd) listens on TCP ports 10001-10005 (or the profile's own
list) and writes exactly one line to every connection:

  OUTPOST-CID/1 <32 lower-case hex digits>\r\n

then closes. This script reads that line and reports the id, so that an
unauthenticated scan of the host can be merged with the agent's own data
on the platform (POST /api/v1/scans, see outpost-scan(1) and
docs/protocol.md section 6). It sends nothing to the service.

The ports are taken from the script argument
<code>outpost-correlation.ports</code> (comma-separated ports and ranges,
default 10001-10005); they must also be among the ports nmap scans.
]]

---
-- @usage
-- nmap -p 10001-10005 --script outpost-correlation <target>
-- nmap -p 20000 --script outpost-correlation \
--   --script-args outpost-correlation.ports=20000 <target>
--
-- @args outpost-correlation.ports the correlation ports of the agent's
--       profile (default 10001-10005)
--
-- @output
-- PORT      STATE SERVICE
-- 10001/tcp open  outpost-correlation
-- | outpost-correlation:
-- |_  correlation_id: 5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c
--
-- @xmloutput
-- <elem key="correlation_id">5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c</elem>

author = "outpost developers"
license = "Same as outpost"
categories = {"discovery", "safe"}

local DEFAULT_PORTS = "10001-10005"
local TIMEOUT_MS = 5000
local LINE_PATTERN = "^OUTPOST%-CID/1 (" .. string.rep("[0-9a-f]", 32) .. ")\r\n$"

-- The set of correlation ports from the script argument.
local function correlation_ports()
  local spec = stdnse.get_script_args(SCRIPT_NAME .. ".ports") or DEFAULT_PORTS
  local set = {}
  for item in string.gmatch(spec, "[^,]+") do
    local lo, hi = string.match(item, "^%s*(%d+)%s*%-%s*(%d+)%s*$")
    if not lo then
      lo = string.match(item, "^%s*(%d+)%s*$")
      hi = lo
    end
    lo, hi = tonumber(lo), tonumber(hi)
    if lo and hi and lo >= 1 and hi <= 65535 and lo <= hi then
      for p = lo, hi do
        set[p] = true
      end
    else
      stdnse.debug1("ignoring bad port list item %q", item)
    end
  end
  return set
end

local PORTS = correlation_ports()

portrule = function(host, port)
  return port.protocol == "tcp" and port.state == "open" and
    PORTS[port.number] == true
end

action = function(host, port)
  local socket = nmap.new_socket()
  socket:set_timeout(TIMEOUT_MS)
  local status, err = socket:connect(host, port)
  if not status then
    stdnse.debug1("connect: %s", err)
    return nil
  end
  -- One rule however the bytes arrive (docs/protocol.md section 6): read
  -- until the service ends the stream or the timeout, then judge all of
  -- it at once; a byte after the line makes it no correlation line.
  local line, chunk = ""
  while #line <= 48 do
    status, chunk = socket:receive()
    if not status then
      break
    end
    line = line .. chunk
  end
  socket:close()
  if line == "" then
    stdnse.debug1("no line: %s", chunk)
    return nil
  end
  local cid = string.match(line, LINE_PATTERN)
  if not cid then
    stdnse.debug1("not an outpost correlation line: %q", line)
    return nil
  end
  port.version.name = "outpost-correlation"
  port.version.product = "outpost agent correlation id service"
  nmap.set_port_version(host, port)
  local out = stdnse.output_table()
  out.correlation_id = cid
  return out
end
