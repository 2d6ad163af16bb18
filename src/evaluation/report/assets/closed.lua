-- Both writers: an image must be a file of the study (or a data: URI), never a
-- remote address. Pandoc's Word writer would fetch a remote image while
-- writing, and the HTML page would load it when opened; the conversion stops
-- instead, naming the address. (Text from raw files reaches the Markdown
-- escaped, so this only fires if that escaping has been bypassed.)
local function remote(src)
  local s = src:gsub("^[%s%c]+", ""):lower()
  if s:sub(1, 5) == "data:" then
    return false
  end
  -- protocol-relative (//host/...) or any URL scheme of two letters or more
  -- (a one-letter "scheme" is a Windows drive, C:\...)
  return s:match("^[/\\][/\\]") ~= nil or s:match("^%a[%w+.-]+:") ~= nil
end

function Image(img)
  if remote(img.src) then
    error("the report shows an image from outside the study, " .. img.src
      .. ": the report must be closed to the outside (no remote images); "
      .. "check where this address entered the report's text", 0)
  end
end
