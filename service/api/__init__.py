"""The HTTP face of Vraagbaak (FastAPI)."""
