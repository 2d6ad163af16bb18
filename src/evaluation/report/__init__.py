"""The report: Jinja2 templates -> Markdown -> HTML and Word through pandoc."""
