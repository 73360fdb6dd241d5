"""Pages of the org app, one module per idea: the tree and a unit's page (`tree`), the grid map
and coverage gaps (`maps`), the grid import and export (`grids`), managing units (`manage`) and
who works in them (`people`). `navigation` holds what they share."""

from wangge.org.views.grids import grid_export, grid_import
from wangge.org.views.manage import unit_edit, unit_new
from wangge.org.views.maps import grid_map, unit_gaps
from wangge.org.views.people import people, people_home
from wangge.org.views.tree import tree, unit

__all__ = [
    "grid_export",
    "grid_import",
    "grid_map",
    "people",
    "people_home",
    "tree",
    "unit",
    "unit_edit",
    "unit_gaps",
    "unit_new",
]
