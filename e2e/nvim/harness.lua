-- What both Neovim runs share (e2e.lua, readme.lua): checks with their failure details, waits on
-- events bounded by TIMEOUT (vim.wait processes events while it waits; nothing sleeps), what
-- Neovim tells the user, and running the steps to a closing "N passed, N failed" line.

local H = { TIMEOUT = 30000, passed = 0, failed = 0, notices = {} }

vim.cmd("filetype on")

function H.env(name)
  return assert(os.getenv(name), name .. " is not set (run e2e/nvim/run.sh)")
end

function H.out(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

function H.describe(value)
  return type(value) == "table" and vim.inspect(value, { newline = " ", indent = "" }) or tostring(value)
end

--- Record one check; `detail` says what was seen when it fails.
function H.check(name, ok, detail)
  if ok then
    H.passed = H.passed + 1
    H.out("ok    " .. name)
  else
    H.failed = H.failed + 1
    H.out("FAIL  " .. name .. (detail ~= nil and (": " .. H.describe(detail)) or ""))
  end
  return ok
end

--- Wait for `condition()` to hold, processing events meanwhile; raise `what` on timeout.
function H.wait_for(what, condition, timeout)
  if not vim.wait(timeout or H.TIMEOUT, condition, 10) then
    error("timed out after " .. (timeout or H.TIMEOUT) .. " ms waiting for " .. what, 0)
  end
end

-- What Neovim tells the user (an error applying an edit, a failed request, a command's message).
vim.notify = function(msg, level)
  table.insert(H.notices, { message = tostring(msg), level = level })
end

--- Run each step (a failing one is a failed check with its traceback), print the closing line
--- and quit with the status.
function H.run(label, steps)
  for index, step in ipairs(steps) do
    local ok, err = xpcall(step, debug.traceback)
    if not ok then
      H.check(label .. ": step " .. index .. " ran to its end", false, err)
    end
  end
  H.out(string.format("nvim %s: %d passed, %d failed", label, H.passed, H.failed))
  vim.cmd(H.failed == 0 and "qall!" or "cquit 1")
end

return H
