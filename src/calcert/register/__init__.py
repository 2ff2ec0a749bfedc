"""The register on disk: settings, reading files into records, the cache, safe writes."""
