-- HTML only: wrap each table in a box that scrolls sideways on its own
-- (report.css, .table-scroll), so a wide table never makes the page scroll.
-- The box is a labelled region that keyboard users can focus and scroll.
function Table(tbl)
  local label = pandoc.utils.stringify(tbl.caption.long)
  if label == "" then
    label = "Table"
  end
  -- attributes as a list of pairs: a Lua table's keys have no fixed order,
  -- and the page must come out the same every time
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" },
    { { "role", "region" }, { "tabindex", "0" }, { "aria-label", label } }))
end
