"""FAQ sets for trainers: curated, cited answers built from the corpus (see store.py)."""
