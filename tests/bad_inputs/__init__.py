"""The bad-input corpus: one catalogue of broken raw files and what the pipeline must say."""
