"""Readers of the raw sources: each returns clean tidy frames, findings and a ledger."""
