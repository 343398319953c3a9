-- The README's Neovim snippets, as a user pastes them into init.lua: the one for Neovim 0.7 to
-- 0.10 runs here (Debian's Neovim is 0.7), the 0.11 one is checked to be valid Lua. Run by
-- e2e/nvim/run.sh after e2e.lua, in a fresh Neovim, with `hptlens` on PATH.

local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")
local wait_for, notices = H.wait_for, H.notices
local WS = H.env("HPTLENS_E2E_WORKSPACE")
local README = H.env("HPTLENS_E2E_README")

local function check(name, ok, detail)
  return H.check("readme: " .. name, ok, detail)
end

--- The ```lua block of the README whose first line is `first`.
local function block(first)
  local text = assert(io.open(README, "rb")):read("*a")
  for body in text:gmatch("```lua\n(.-)\n```") do
    if body:sub(1, #first) == first then
      return body
    end
  end
  error("README.md has no ```lua block starting with " .. first, 0)
end

local function hptlens_client()
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == "hptlens" then
      return client
    end
  end
end

local steps = {}

steps[#steps + 1] = function()
  local modern, err = loadstring(block("-- Neovim 0.11+: hptlens"), "README 0.11 snippet")
  check("the Neovim 0.11 snippet is valid Lua", modern ~= nil, err)
  local older
  older, err = loadstring(block("-- Neovim 0.7-0.10: hptlens"), "README 0.7 snippet")
  check("the Neovim 0.7-0.10 snippet is valid Lua", older ~= nil, err)
  older()
end

steps[#steps + 1] = function()
  vim.cmd("edit " .. vim.fn.fnameescape(WS .. "/sweep.yaml"))
  local yaml = vim.api.nvim_get_current_buf()
  wait_for("diagnostics on sweep.yaml", function()
    return #vim.diagnostic.get(yaml) > 0
  end)
  local client = hptlens_client()
  check("the server started at the workspace root", client ~= nil and client.config.root_dir == WS, client and client.config.root_dir)
  local sweeps = vim.tbl_filter(function(d)
    return d.code == "sweep-config"
  end, vim.diagnostic.get(yaml))
  check("YAML: sweep-config diagnostics", #sweeps >= 5, #sweeps)
end

steps[#steps + 1] = function()
  vim.cmd("edit " .. vim.fn.fnameescape(WS .. "/optuna_simple.py"))
  local py = vim.api.nvim_get_current_buf()
  local ns = vim.lsp.codelens.__namespaces[hptlens_client().id]
  local marks
  wait_for("the code lens on optuna_simple.py", function()
    marks = vim.api.nvim_buf_get_extmarks(py, ns, 0, -1, { details = true })
    return #marks > 0
  end)
  local title = marks[1][4].virt_text and marks[1][4].virt_text[1][1] or ""
  check("Python: the lens is drawn", title:find("^HPT: Optuna") ~= nil, title)
  check("Python: diagnostics", #vim.diagnostic.get(py) >= 5, #vim.diagnostic.get(py))
  check("one server for the workspace", #vim.tbl_filter(function(c)
    return c.name == "hptlens"
  end, vim.lsp.get_active_clients()) == 1)
end

steps[#steps + 1] = function()
  local before = #notices
  vim.cmd("HptExport")
  wait_for(":HptExport's message", function()
    return #notices > before
  end)
  local message = notices[#notices].message
  check(":HptExport writes hpt-report.json", message == "wrote " .. WS .. "/hpt-report.json", message)
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR
  end, notices)
  check("no error was shown to the user", #errors == 0, errors)
end

H.run("readme", steps)
