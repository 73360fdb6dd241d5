"""Wangge (网格): a platform for grid-based community governance."""
