-- End-to-end test of `hptlens serve` in a real Neovim (Debian's, headless), through the built-in
-- LSP client and the same calls a user's keys make (vim.lsp.buf.hover, vim.lsp.buf.code_action,
-- vim.lsp.codelens). Run by e2e/nvim/run.sh, which lays out the workspace. Every wait is on an
-- event (a publishDiagnostics for the buffer's version, a response, a window): see harness.lua.

local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")
local check, wait_for, describe, notices = H.check, H.wait_for, H.describe, H.notices

local WS = H.env("HPTLENS_E2E_WORKSPACE")
local SERVER = H.env("HPTLENS_E2E_SERVER")
local ARTIFACTS = H.env("HPTLENS_E2E_ARTIFACTS")
local STDERR_LOG = ARTIFACTS .. "/server-stderr.log"
local ALL_KINDS = { "search-space", "search-run", "scheduler", "hand-loop", "sweep-config", "tuned-config" }

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local text = f:read("*a")
  f:close()
  return text
end

-- ------------------------------------------------------------------ what the server sends

local published = {} -- uri -> { version, diagnostics, count }
local messages = {} -- window/showMessage, in order
local progress_ends = {} -- work-done progress "end" values

local default_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  local previous = published[result.uri]
  published[result.uri] = {
    version = result.version,
    diagnostics = result.diagnostics,
    count = (previous and previous.count or 0) + 1,
  }
  return default_publish(err, result, ctx, config)
end
vim.lsp.handlers["window/showMessage"] = function(_, result)
  table.insert(messages, result)
end
local default_progress = vim.lsp.handlers["$/progress"]
vim.lsp.handlers["$/progress"] = function(err, result, ctx, config)
  if result and result.value and result.value.kind == "end" then
    table.insert(progress_ends, result.value)
  end
  return default_progress(err, result, ctx, config)
end

-- ------------------------------------------------------------------ the client

local init_options = { hptlens = { debounceMs = 0, exclude = { "vendor/**" } } }
local exit_code
local client_id = vim.lsp.start_client({
  name = "hptlens",
  -- The server's stderr is kept: expected refusals must not put tracebacks there.
  cmd = { "sh", "-c", 'exec "$0" serve 2>>"$1"', SERVER, STDERR_LOG },
  root_dir = WS,
  init_options = init_options,
  on_exit = function(code)
    exit_code = code
  end,
})
assert(client_id, "vim.lsp.start_client failed")

local function client()
  return vim.lsp.get_client_by_id(client_id)
end

local function path_of(name)
  return WS .. "/" .. name
end

--- Open a workspace file in a window, attach the client, wait for its first diagnostics.
local function open(name)
  vim.cmd("edit " .. vim.fn.fnameescape(path_of(name)))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)
  return bufnr
end

--- Wait for diagnostics of the buffer's current version (the server tags each publish).
local function settle(bufnr, what)
  local uri = vim.uri_from_bufnr(bufnr)
  wait_for(what or ("diagnostics of " .. uri), function()
    local p = published[uri]
    return p ~= nil and p.version == vim.lsp.util.buf_versions[bufnr]
  end)
  return vim.diagnostic.get(bufnr)
end

--- Wait until the buffer's diagnostics satisfy `predicate` (after a settings change, which
--- re-analyses without a new version).
local function until_diagnostics(bufnr, what, predicate)
  wait_for(what, function()
    return predicate(vim.diagnostic.get(bufnr))
  end)
  return vim.diagnostic.get(bufnr)
end

local function codes(diagnostics)
  local seen = {}
  for _, d in ipairs(diagnostics) do
    seen[#seen + 1] = tostring(d.code)
  end
  table.sort(seen)
  return seen
end

local function count_code(diagnostics, code)
  local n = 0
  for _, d in ipairs(diagnostics) do
    if d.code == code then
      n = n + 1
    end
  end
  return n
end

local function find_line(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error("no line with " .. needle, 0)
end

local function on_line(diagnostics, lnum)
  local found = {}
  for _, d in ipairs(diagnostics) do
    if d.lnum == lnum then
      found[#found + 1] = d
    end
  end
  return found
end

--- A request through the client, waiting for its response: (result, error).
local function request(method, params, bufnr)
  local done, result, err = false, nil, nil
  client().request(method, params, function(e, r)
    done, result, err = true, r, e
  end, bufnr)
  wait_for("the response to " .. method, function()
    return done
  end)
  return result, err
end

-- ------------------------------------------------------------------ the steps

local steps = {}

steps[#steps + 1] = function()
  wait_for("initialize", function()
    return client() ~= nil and client().initialized
  end)
  -- Neovim 0.7 configures by push, as nvim-lspconfig does: the settings object in
  -- workspace/didChangeConfiguration (it does not announce workspace/configuration).
  client().notify("workspace/didChangeConfiguration", { settings = { hptlens = { enabledKinds = ALL_KINDS } } })
  check("server initialized", client().initialized)
end

local optuna_buf
steps[#steps + 1] = function()
  optuna_buf = open("optuna_simple.py")
  local diags = settle(optuna_buf)
  check("python: 5 search-space diagnostics", count_code(diags, "search-space") == 5, codes(diags))
  check("python: 2 search-run diagnostics", count_code(diags, "search-run") == 2, codes(diags))
  local lnum, col = find_line(optuna_buf, 'trial.suggest_float("alpha"')
  local alpha = on_line(diags, lnum)[1]
  check(
    "python: alpha's diagnostic is on its call, severity Information, source hptlens",
    alpha ~= nil
      and alpha.col == col
      and alpha.severity == vim.diagnostic.severity.INFO
      and alpha.source == "hptlens"
      and alpha.message:find("alpha", 1, true) ~= nil,
    alpha or diags
  )
end

steps[#steps + 1] = function()
  vim.api.nvim_set_current_buf(optuna_buf)
  vim.lsp.codelens.refresh()
  local ns = vim.lsp.codelens.__namespaces[client_id]
  local marks
  wait_for("a code lens drawn in the buffer", function()
    marks = vim.api.nvim_buf_get_extmarks(optuna_buf, ns, 0, -1, { details = true })
    return #marks > 0
  end)
  local mark = marks[1]
  local text = mark[4].virt_text and mark[4].virt_text[1][1] or ""
  local first = find_line(optuna_buf, 'trial.suggest_float("alpha"')
  check(
    "lens: 'HPT: Optuna ...' drawn on the site's first line",
    text:find("^HPT: Optuna") ~= nil and mark[2] == first,
    { line = mark[2], text = text }
  )
  -- Running the lens (what a user's key for vim.lsp.codelens.run does) shows the site.
  vim.api.nvim_win_set_cursor(0, { mark[2] + 1, 0 })
  local before = #messages
  vim.lsp.codelens.run()
  wait_for("the lens command's message", function()
    return #messages > before
  end)
  local shown = messages[#messages].message
  check("lens: running it shows the site's summary", shown:find("HPT: Optuna", 1, true) ~= nil, shown)
end

steps[#steps + 1] = function()
  vim.api.nvim_set_current_buf(optuna_buf)
  local lnum, col = find_line(optuna_buf, 'suggest_float("gamma"')
  vim.api.nvim_win_set_cursor(0, { lnum + 1, col })
  vim.lsp.buf.hover()
  local float
  wait_for("the hover window", function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        float = win
        return true
      end
    end
    return false
  end)
  local text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), "\n")
  check(
    "hover: a table of the site's dimensions",
    text:find("alpha", 1, true) and text:find("gamma", 1, true) and text:find("init_q", 1, true) and text:find("|", 1, true),
    text
  )
  vim.api.nvim_win_close(float, true)
end

steps[#steps + 1] = function()
  vim.api.nvim_set_current_buf(optuna_buf)
  local lnum = find_line(optuna_buf, 'suggest_float("gamma"')
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 4 })
  local titles = {}
  local original_select = vim.ui.select
  -- The user picks "Ignore this search-space finding on this line" from the menu.
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item(item)
      titles[#titles + 1] = title
    end
    for _, item in ipairs(items) do
      if opts.format_item(item):find("finding on this line", 1, true) then
        return on_choice(item)
      end
    end
    return on_choice(nil)
  end
  local ok, err = pcall(function()
    vim.lsp.buf.code_action()
    wait_for("the quick fix's edit in the buffer", function()
      return vim.api.nvim_buf_get_lines(optuna_buf, lnum, lnum + 1, false)[1]:find("hpt: ignore", 1, true) ~= nil
    end)
  end)
  vim.ui.select = original_select
  if not ok then
    error(tostring(err) .. " (actions offered: " .. describe(titles) .. "; notices: " .. describe(notices) .. ")", 0)
  end
  local line = vim.api.nvim_buf_get_lines(optuna_buf, lnum, lnum + 1, false)[1]
  check("quick fix: both fixes offered", #titles >= 2, titles)
  check(
    "quick fix: '# hpt: ignore[search-space]' appended, the rest of the line kept",
    line:match('^    gamma = trial%.suggest_float%("gamma", 0%.9, 0%.999%)  # hpt: ignore%[search%-space%]$') ~= nil,
    line
  )
  local diags = settle(optuna_buf, "diagnostics after the quick fix")
  check("quick fix: the diagnostic is gone, the others stay", #on_line(diags, lnum) == 0 and count_code(diags, "search-space") == 4, codes(diags))
end

steps[#steps + 1] = function()
  local bufnr = optuna_buf
  vim.api.nvim_set_current_buf(bufnr)
  local before = codes(settle(bufnr))
  -- The user deletes the closing parenthesis of a call: the statements after it are swallowed.
  local lnum = find_line(bufnr, 'suggest_float("epsilon"')
  local line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1]
  vim.api.nvim_buf_set_text(bufnr, lnum, #line - 1, lnum, #line, {})
  local diags = settle(bufnr, "diagnostics of the broken buffer")
  local syntax
  for _, d in ipairs(diags) do
    if d.code == "syntax-error" then
      syntax = d
    end
  end
  check("broken syntax: a syntax-error diagnostic", syntax ~= nil, diags)
  if syntax then
    check(
      "broken syntax: a Warning (it hides findings) on the broken line",
      syntax.severity == vim.diagnostic.severity.WARN and syntax.lnum == lnum,
      syntax
    )
    local col = tonumber(syntax.message:match("column (%d+)"))
    check(
      "broken syntax: the range starts at the column the message names, past the indent",
      col ~= nil and col > 1 and syntax.col == col - 1,
      syntax
    )
  end
  local alpha = find_line(bufnr, 'suggest_float("alpha"')
  check("broken syntax: the intact parts keep their findings", #on_line(diags, alpha) == 1 and count_code(diags, "search-run") == 2, codes(diags))
  vim.api.nvim_buf_set_text(bufnr, lnum, #line - 1, lnum, #line - 1, { ")" })
  local repaired = codes(settle(bufnr, "diagnostics of the repaired buffer"))
  check("repaired syntax: the same diagnostics as before the break", vim.deep_equal(repaired, before), { before = before, after = repaired })
end

steps[#steps + 1] = function()
  local yaml = open("sweep.yaml")
  check("filetype: sweep.yaml is yaml", vim.bo[yaml].filetype == "yaml", vim.bo[yaml].filetype)
  local diags = settle(yaml)
  check("yaml: W&B sweep-config diagnostics", count_code(diags, "sweep-config") >= 5, codes(diags))
  local cpp = open("grid.cc")
  diags = settle(cpp)
  check("c++: search-space and hand-loop diagnostics", count_code(diags, "search-space") >= 1 and count_code(diags, "hand-loop") >= 1, codes(diags))
  local hydra = open("hydra/train_sac.py")
  diags = settle(hydra)
  local lnum = find_line(hydra, "@hydra.main")
  check("hydra: the cross-file sweep-config at the decorator", #on_line(diags, lnum) == 1 and on_line(diags, lnum)[1].code == "sweep-config", diags)
end

steps[#steps + 1] = function()
  local vendor = open("vendor/optuna_copy.py")
  local diags = settle(vendor)
  check("initializationOptions: an excluded file gets no diagnostics", #diags == 0, codes(diags))
end

steps[#steps + 1] = function()
  local grid = open("hand_grid.py")
  local diags = settle(grid)
  check("settings: hand_grid.py has its hand-loop", count_code(diags, "hand-loop") == 1, codes(diags))
  local kinds = { "search-space", "search-run", "scheduler", "sweep-config", "tuned-config" }
  client().notify("workspace/didChangeConfiguration", { settings = { hptlens = { enabledKinds = kinds } } })
  local ok = pcall(until_diagnostics, grid, "hand-loop gone after didChangeConfiguration", function(d)
    return count_code(d, "hand-loop") == 0 and count_code(d, "search-space") == 1
  end)
  check("didChangeConfiguration: enabledKinds without hand-loop hides it", ok, codes(vim.diagnostic.get(grid)))
  local vendor = vim.fn.bufnr(path_of("vendor/optuna_copy.py"))
  check("didChangeConfiguration: initializationOptions still apply (vendor excluded)", #vim.diagnostic.get(vendor) == 0, codes(vim.diagnostic.get(vendor)))
  client().notify("workspace/didChangeConfiguration", { settings = { hptlens = { enabledKinds = ALL_KINDS } } })
  ok = pcall(until_diagnostics, grid, "hand-loop back", function(d)
    return count_code(d, "hand-loop") == 1
  end)
  check("didChangeConfiguration: all kinds again brings it back", ok, codes(vim.diagnostic.get(grid)))
end

steps[#steps + 1] = function()
  local nb = open("study.ipynb")
  local diags = settle(nb)
  local lines = vim.api.nvim_buf_get_lines(nb, 0, -1, false)
  local misplaced = {}
  for _, d in ipairs(diags) do
    local line = lines[d.lnum + 1] or ""
    -- Each finding must sit on the JSON line that holds its code (a string of "source").
    if not line:find('^%s*"') or d.col < (line:find('"', 1, true) or 0) then
      misplaced[#misplaced + 1] = { lnum = d.lnum, col = d.col, line = line }
    end
  end
  local said = false
  for _, m in ipairs(messages) do
    said = said or (m.message:find("notebook", 1, true) ~= nil)
  end
  check(
    "notebook as JSON text: findings on the JSON's lines, or none and a message why",
    (#diags > 0 and #misplaced == 0) or (#diags == 0 and said),
    { diagnostics = #diags, misplaced = misplaced }
  )
  local lnum = find_line(nb, "suggest_float")
  local found = on_line(diags, lnum)
  if #found > 0 then
    check("notebook as JSON text: the suggest_float line has its finding", found[1].code == "search-space", found)
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(nb) },
    range = { start = { line = lnum, character = 0 }, ["end"] = { line = lnum, character = 0 } },
    context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(nb, lnum) },
  }
  local actions = request("textDocument/codeAction", params, nb) or {}
  local broken = {}
  for _, action in ipairs(actions) do
    if action.edit == nil then
      action = request("codeAction/resolve", action, nb) or action
    end
    if action.edit then
      local scratch = vim.api.nvim_create_buf(false, true)
      vim.api.nvim_buf_set_lines(scratch, 0, -1, false, lines)
      local edits = action.edit.changes and action.edit.changes[vim.uri_from_bufnr(nb)] or {}
      vim.lsp.util.apply_text_edits(edits, scratch, client().offset_encoding)
      local text = table.concat(vim.api.nvim_buf_get_lines(scratch, 0, -1, false), "\n")
      if not pcall(vim.json.decode, text) then
        broken[#broken + 1] = action.title
      end
    end
  end
  check("notebook as JSON text: no quick fix breaks the JSON", #broken == 0, broken)
end

-- Writes `path` as the JSON report of the workspace by `hptlens scan`, as on the command line.
local function scan_report(path)
  -- The exclude that initializationOptions gave the editor, as the command line says it.
  local command = 'cd "$0" && exec "$1" scan . --exclude "vendor/**" --format json -o "$2"'
  local output = vim.fn.system({ "sh", "-c", command, WS, SERVER, path })
  if vim.v.shell_error ~= 0 then
    error("hptlens scan failed: " .. output, 0)
  end
  return vim.json.decode(read_file(path))
end

steps[#steps + 1] = function()
  vim.cmd("silent wall")
  -- The export must not depend on what is open: the hydra script's cross-file sweep is
  -- reported with its buffer closed too.
  vim.cmd("bwipeout " .. vim.fn.fnameescape(path_of("hydra/train_sac.py")))
  local scanned = scan_report(ARTIFACTS .. "/scan.json")
  local ends = #progress_ends
  local result, err = request("workspace/executeCommand", { command = "hptlens.exportReport", arguments = { { format = "json" } } })
  check("export: the command succeeds", err == nil and result ~= nil, err)
  if result == nil then
    return
  end
  check("export: progress ended", #progress_ends > ends, progress_ends)
  local text = read_file(result.path)
  check("export: the report is written at the workspace root", result.path == path_of("hpt-report.json") and text ~= nil, result)
  if text == nil then
    return
  end
  local exported = vim.json.decode(text)
  local same = vim.deep_equal(exported.files, scanned.files) and vim.deep_equal(exported.summary, scanned.summary)
  if not same then
    local f = io.open(ARTIFACTS .. "/export.json", "wb")
    f:write(text)
    f:close()
  end
  local differing = {}
  local by_path = {}
  for _, file in ipairs(scanned.files or {}) do
    by_path[file.path] = file
  end
  for _, file in ipairs(exported.files or {}) do
    if not vim.deep_equal(file, by_path[file.path]) then
      differing[#differing + 1] = file.path
    end
    by_path[file.path] = nil
  end
  for path in pairs(by_path) do
    differing[#differing + 1] = path .. " (not exported)"
  end
  check("export: equals `hptlens scan` of the folder (scan.json, export.json)", same, differing)
end

steps[#steps + 1] = function()
  local refusals = {
    { "a path outside the workspace", "hptlens.exportReport", { { path = "/tmp/hptlens-e2e-outside.json" } }, "outside the workspace" },
    { "a bad argument", "hptlens.exportReport", { { format = "xml" } }, "format" },
    { "an unknown site", "hptlens.showSite", { vim.uri_from_bufnr(optuna_buf), "no-such-site" }, "no site" },
  }
  for _, case in ipairs(refusals) do
    local _, err = request("workspace/executeCommand", { command = case[2], arguments = case[3] })
    check(
      "refusal of " .. case[1] .. ": an error that says why",
      err ~= nil and tostring(err.message):find(case[4], 1, true) ~= nil and not tostring(err.message):find("\n"),
      err
    )
  end
  local stderr = read_file(STDERR_LOG) or ""
  check("refusals: no traceback and no ERROR in the server's log", not stderr:find("Traceback") and not stderr:find("ERROR"), stderr)
end

steps[#steps + 1] = function()
  vim.lsp.stop_client(client_id)
  wait_for("the server to exit", function()
    return exit_code ~= nil
  end)
  check("shutdown: the server exits with code 0", exit_code == 0, exit_code)
end

H.run("e2e", steps)
