"""Evaluation against gold data (ROUGE for summaries and updates, /who for entities, timelines, what a reader
receives): run from the command line only, with the eval extra's dependencies."""
