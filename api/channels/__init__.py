"""Channel protocols: how each outside messenger's requests and replies look (no HTTP here)."""
