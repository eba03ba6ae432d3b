"""Evaluation of retrieval and answers against the gold question set (evals/gold/)."""
