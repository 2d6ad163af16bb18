# Report: Jinja2 templates -> Markdown -> HTML and Word (pandoc).
