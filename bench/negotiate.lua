-- negotiate.lua - wrk script for bench/run.sh.
--
-- Environment:
--   TOKEN_PREFIX  token files PREFIX.0 .. PREFIX.<threads-1>, one base64
--                 SPNEGO token per line (one file per wrk thread, so no token
--                 is ever sent twice).  Unset: static run, wrk's own request.
--   REQ_PATH      path of the request (default /krb/index.html)
--
-- Each wrk thread has its own Lua state: setup() (main state) numbers the
-- threads, init() (thread state) reads that thread's file in one piece, and
-- request() cuts the next line out of it.  init() stays cheap on purpose:
-- wrk starts thread 0 while it still runs init() for the others, and its
-- clock starts only after the last one.  A thread that has used all of its
-- tokens sends requests without Authorization (answered 401, so they show
-- as non-2xx) and counts them in "ranout".  done() prints one RESULT line.
-- wrk calls request() once in thread 0's state before that thread starts,
-- only to see how many requests it returns (script_verify_request), and
-- never sends that one: it gets a request without a token, or the first
-- token would be lost (bench/farm.sh then saw 1,999 of 2,000 accepted).

local prefix = os.getenv("TOKEN_PREFIX")
if prefix == "" then prefix = nil end
local req_path = os.getenv("REQ_PATH") or "/krb/index.html"

local threads = {}
local nthreads = 0

function setup(thread)
   thread:set("id", nthreads)
   nthreads = nthreads + 1
   table.insert(threads, thread)
end

function init(args)
   used, ranout, loaded = 0, 0, 0
   verifying = (id == 0)
   if not prefix then return end
   local f = assert(io.open(prefix .. "." .. id, "rb"))
   data = f:read("*a")
   f:close()
   pos = 1
   local host = wrk.headers["Host"]
   head = "GET " .. req_path .. " HTTP/1.1\r\nHost: " .. host ..
          "\r\nAuthorization: Negotiate "
   tail = "\r\n\r\n"
   bare = "GET " .. req_path .. " HTTP/1.1\r\nHost: " .. host .. "\r\n\r\n"
   -- Count the lines (cheap: a plain find per line, no copies).
   local p = 1
   while true do
      local nl = data:find("\n", p, true)
      if not nl then break end
      loaded = loaded + 1
      p = nl + 1
   end
end

if prefix then
   function request()
      if verifying then
         verifying = false
         return bare
      end
      local nl = data:find("\n", pos, true)
      if nl then
         local tok = data:sub(pos, nl - 1)
         pos = nl + 1
         used = used + 1
         return head .. tok .. tail
      end
      ranout = ranout + 1
      return bare
   end
end

function done(summary, latency, requests)
   local t_loaded, t_used, t_ranout = 0, 0, 0
   for _, t in ipairs(threads) do
      t_loaded = t_loaded + (t:get("loaded") or 0)
      t_used   = t_used   + (t:get("used") or 0)
      t_ranout = t_ranout + (t:get("ranout") or 0)
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f non2xx=%d connect=%d read=%d " ..
      "write=%d timeout=%d p50_us=%d p99_us=%d tokens_loaded=%d tokens_used=%d " ..
      "ranout=%d\n",
      summary.requests, secs, summary.requests / secs, e.status, e.connect,
      e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99),
      t_loaded, t_used, t_ranout))
end
