"""Ingest: load documents, clean them, find their structure, chunk, embed and index them."""
