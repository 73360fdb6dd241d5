"""Pages of analytics, one module per page family: the dashboard (dashboard.py)."""
