"""Vraagbaak: the command line and the configuration shared by every pipeline stage.

The pipeline itself lives in the sibling packages: ``ingest`` (load → clean → chunk → embed →
index), ``service`` (retrieve → answer → serve) and ``evals`` (measure it all).
"""

__version__ = "0.1.0"
