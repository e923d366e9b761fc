"""Ingest jobs: parse → validate → rows → store, in batches that commit whole."""
