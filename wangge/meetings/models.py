"""Tables of meetings."""
