"""Pages of meetings and votes: staff pages (desktop) under /meetings/, and the residents'
pages (phone) under /public/meetings/."""
