"""Open311 GeoReport v2 under /open311/v2/: an adapter over the case services and queries, with
no rules of its own (docs/open311.md maps our fields and states to the spec's)."""
