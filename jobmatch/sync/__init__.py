"""Kombo client, full/incremental/targeted sync into the store, and Kombo webhook handling."""
