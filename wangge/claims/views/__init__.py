"""Pages of two-way claiming: desktop pages for community staff and leaders, phone pages for
member units' contacts, and the public pages for residents and volunteers."""
