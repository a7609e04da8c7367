-- wrk script for Benchmarks/taxii-load.sh: pages through a TAXII 2.1 collection.
-- args: PATH (…/objects/ or …/manifest/) LIMIT AUTHORIZATION
-- Each response's `next` cursor is queued and used once by the next request of this thread,
-- so the connections walk the whole collection (medallion forgets a cursor once used); when
-- no cursor is waiting, a request starts again from the first page.
local path, limit
local cursors = {}

function init(args)
  path, limit = args[1], args[2]
  wrk.headers["Accept"] = "application/taxii+json;version=2.1"
  wrk.headers["Authorization"] = args[3]
end

function request()
  local cursor = table.remove(cursors, 1)
  local target = path .. "?limit=" .. limit
  if cursor then target = target .. "&next=" .. cursor end
  return wrk.format("GET", target)
end

function response(status, headers, body)
  if status == 200 then
    local cursor = body:match('"next"%s*:%s*"([^"]+)"')
    if cursor then cursors[#cursors + 1] = cursor end
  end
end
