"""Pages of canvass campaigns: the organisers' (desktop) and the helpers' (phone)."""
