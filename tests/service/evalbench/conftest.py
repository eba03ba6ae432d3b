"""The FAQ tests' tiny corpus, engine and refusal model serve the workbench's tests too."""

from tests.service.faq.conftest import answerer, embedder, engine, index, settings, store

__all__ = ["answerer", "embedder", "engine", "index", "settings", "store"]
