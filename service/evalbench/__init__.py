"""The evaluators' workbench at /eval: gold sets made by clicking, runs, verdicts, comparison."""
