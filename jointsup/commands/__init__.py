"""Command groups beyond ingest/serve/token, each registering itself on the main Typer app."""
