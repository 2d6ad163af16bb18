-- Word: use each figure's fig-alt attribute as the picture's alternative text
-- (pandoc otherwise repeats the caption there).
function Image(img)
  local alt = img.attributes["fig-alt"]
  if alt then
    img.caption = pandoc.Inlines(pandoc.Str(alt))
    img.attributes["fig-alt"] = nil
  end
  return img
end
