"""Renderings of results: tables, CSV/JSON/Markdown, ICS, the HTML page, the schema."""
