"""Reading GeoJSON uploads and measuring areas: everything about grid geometry that needs no
database.

`parse_feature_collection` decodes a file (bytes, text or an already parsed dict), checks that
it is a FeatureCollection and checks every feature's geometry, collecting *every* problem as a
`FeatureError` instead of stopping at the first, so a person can fix a file in one pass. The
import services add the rules that need the database (parents, codes in use, overlaps with
existing grids).

Areas are in square metres, computed on a local equal-area projection (see `to_local_metres`),
because the overlap tolerance and coverage gaps are set in m², not in square degrees.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.errors import GEOSException
from shapely.geometry import shape as shape_of
from shapely.geometry.base import BaseGeometry

from wangge.org.exceptions import FeatureError, GeoJSONInvalid

POLYGON_TYPES = ("Polygon", "MultiPolygon")
CODE_MAX_LENGTH = 32  # OrgUnit.code
NAME_MAX_LENGTH = 100  # OrgUnit.name

# WGS84 ellipsoid.
_SEMI_MAJOR_AXIS_M = 6_378_137.0
_ECCENTRICITY_SQUARED = 6.694_379_990_14e-3

_VALIDITY_REASON = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>[^\]\s]+)")
_VALUE_PREVIEW_LENGTH = 60


@dataclass
class ParsedFeature:
    """One feature of an upload as read, with every problem found in it so far."""

    index: int  # 1-based position in the file
    code: str  # "" when missing or unusable
    properties: dict[str, Any]
    geometry: dict[str, Any] | None
    shape: BaseGeometry | None  # None when the geometry has a problem
    errors: list[FeatureError] = field(default_factory=list)

    def add_error(self, message: str) -> None:
        self.errors.append(FeatureError(index=self.index, code=self.code, message=message))


def parse_feature_collection(source: bytes | str | dict) -> list[ParsedFeature]:
    """Decode an upload and check each feature's code and geometry.

    Raises GeoJSONInvalid (with one error for the whole file) when the file is not a
    FeatureCollection at all; problems with single features are left on the features.
    """
    document = load_document(source)
    return [parse_feature(index, raw) for index, raw in enumerate(feature_list(document), 1)]


def load_document(source: bytes | str | dict) -> Any:
    if isinstance(source, dict):
        # Through JSON and back, so a dict from Python code is read exactly as the same file
        # would be: tuples become lists (as they will be stored), NaN is refused.
        try:
            source = json.dumps(source, ensure_ascii=False)
        except (TypeError, ValueError) as error:
            raise _file_error(_("The file is not JSON: %(reason)s") % {"reason": error}) from None
    if isinstance(source, bytes):
        source = decode_text(source)
    if not source.strip():
        raise _file_error(_("The file is empty."))
    try:
        return json.loads(source, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise _file_error(
            _("The file is not JSON: %(reason)s at line %(line)s, column %(column)s.")
            % {"reason": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    except ValueError as error:
        raise _file_error(_("The file is not JSON: %(reason)s") % {"reason": error}) from None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte order mark), or a clear refusal.

    Files saved by Chinese Windows tools are often GBK; saying so saves a person a long search.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if _looks_like_gbk(data):
            raise _file_error(
                _(
                    "The file is not UTF-8 text; it looks like GBK (a Chinese Windows "
                    "encoding). Save it as UTF-8 and try again."
                )
            ) from None
        raise _file_error(
            _("The file is not UTF-8 text (byte %(position)s cannot be read). Save it as UTF-8.")
            % {"position": error.start + 1}
        ) from None


def _looks_like_gbk(data: bytes) -> bool:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= character <= "\u9fff" for character in text)


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON and not coordinates.
    raise ValueError(_("%(name)s is not a JSON number.") % {"name": name})


def _file_error(message: str) -> GeoJSONInvalid:
    return GeoJSONInvalid([FeatureError(index=None, code="", message=message)])


def feature_list(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        raise _file_error(
            _("The file is not a GeoJSON FeatureCollection: it holds a JSON %(kind)s.")
            % {"kind": _json_kind(document)}
        )
    if document.get("type") != "FeatureCollection":
        raise _file_error(
            _("The file is not a GeoJSON FeatureCollection: its type is %(type)s.")
            % {"type": _preview(document.get("type"))}
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise _file_error(_('The FeatureCollection has no "features" list.'))
    return features


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return _("list")
    if isinstance(value, str):
        return _("string")
    if isinstance(value, bool):
        return _("true/false value")
    if isinstance(value, int | float):
        return _("number")
    return _("null")


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > _VALUE_PREVIEW_LENGTH:
        return text[: _VALUE_PREVIEW_LENGTH - 1] + "…"
    return text


def parse_feature(index: int, raw: Any) -> ParsedFeature:
    feature = ParsedFeature(index=index, code="", properties={}, geometry=None, shape=None)
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.add_error(_("It is not a GeoJSON Feature object."))
        return feature
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        feature.add_error(_("Its properties are not an object."))
        properties = {}
    feature.properties = properties
    code, problem = read_code(properties, "code")
    feature.code = code
    if problem:
        feature.add_error(problem)
    geometry = raw.get("geometry")
    if geometry is None:
        feature.add_error(_("It has no geometry."))
        return feature
    shape, problems = read_geometry(geometry)
    for problem in problems:
        feature.add_error(problem)
    if shape is not None:
        feature.geometry = geometry
        feature.shape = shape
    return feature


def read_code(properties: dict[str, Any], key: str) -> tuple[str, str | None]:
    """A code property as text: (value, problem). Whole numbers are accepted as codes because
    spreadsheets and GIS tools often turn 440703002107 into a number."""
    value = properties.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", _("It has no %(property)s.") % {"property": key}
    if not isinstance(value, str):
        return "", _("Its %(property)s must be text, not %(value)s.") % {
            "property": key,
            "value": _preview(value),
        }
    value = value.strip()
    if len(value) > CODE_MAX_LENGTH:
        return "", _("Its %(property)s %(value)s is longer than %(limit)s characters.") % {
            "property": key,
            "value": value,
            "limit": CODE_MAX_LENGTH,
        }
    return value, None


def read_text(
    properties: dict[str, Any], key: str, max_length: int, *, required: bool
) -> tuple[str, str | None]:
    """A text property such as name or kind: (stripped value, problem)."""
    value = properties.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            return "", _("It has no %(property)s.") % {"property": key}
        return "", None
    if not isinstance(value, str):
        return "", _("Its %(property)s must be text, not %(value)s.") % {
            "property": key,
            "value": _preview(value),
        }
    value = value.strip()
    if len(value) > max_length:
        return "", _("Its %(property)s is longer than %(limit)s characters.") % {
            "property": key,
            "limit": max_length,
        }
    return value, None


def duplicate_code_errors(features: Iterable[ParsedFeature]) -> None:
    """Add an error to every feature whose code an earlier feature already used."""
    first_use: dict[str, int] = {}
    for feature in features:
        if not feature.code:
            continue
        if feature.code in first_use:
            feature.add_error(
                _("Its code %(code)s is also used by feature %(other)s.")
                % {"code": feature.code, "other": first_use[feature.code]}
            )
        else:
            first_use[feature.code] = feature.index


# --- Geometry checks --------------------------------------------------------------------------


def read_geometry(geometry: Any) -> tuple[BaseGeometry | None, list[str]]:
    """A GeoJSON geometry as a valid shapely geometry, or None and every problem with it."""
    if not isinstance(geometry, dict):
        return None, [_("Its geometry is not an object.")]
    kind = geometry.get("type")
    if kind not in POLYGON_TYPES:
        return None, [
            _("Its geometry is a %(type)s; only Polygon and MultiPolygon are accepted.")
            % {"type": _preview(kind)}
        ]
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return None, [_('Its geometry has no "coordinates".')]
    polygons = [(None, coordinates)] if kind == "Polygon" else list(enumerate(coordinates, 1))
    problems: list[str] = []
    for number, rings in polygons:
        problems.extend(_polygon_structure_problems(number, rings))
    if problems:
        return None, problems
    shape = _polygon(coordinates) if kind == "Polygon" else _multipolygon(coordinates)
    if shape.is_valid:
        return shape, []
    # Only an invalid geometry pays for finding out, ring by ring, what is wrong with it.
    return None, _validity_problems(kind, polygons)


def _polygon(rings: list) -> shapely.Polygon:
    return shapely.Polygon(rings[0], rings[1:])


def _multipolygon(polygons: list) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([_polygon(rings) for rings in polygons])


def _ring_label(polygon: int | None, ring: int) -> str:
    if polygon is None:
        return _("ring %(ring)s") % {"ring": ring}
    return _("polygon %(polygon)s, ring %(ring)s") % {"polygon": polygon, "ring": ring}


def _polygon_label(polygon: int | None) -> str:
    if polygon is None:
        return _("the polygon")
    return _("polygon %(polygon)s") % {"polygon": polygon}


def _polygon_structure_problems(polygon: int | None, rings: Any) -> list[str]:
    if not isinstance(rings, list) or not rings:
        return [_("%(polygon)s has no rings.") % {"polygon": _polygon_label(polygon).capitalize()}]
    problems: list[str] = []
    for number, ring in enumerate(rings, 1):
        problems.extend(_ring_structure_problems(_ring_label(polygon, number), ring))
    return problems


def _ring_structure_problems(label: str, ring: Any) -> list[str]:
    if not isinstance(ring, list):
        return [_("%(ring)s is not a list of positions.") % {"ring": label.capitalize()}]
    problems: list[str] = []
    for number, position in enumerate(ring, 1):
        problem = _position_problem(position)
        if problem:
            problems.append(
                _("%(ring)s, position %(position)s: %(problem)s")
                % {"ring": label.capitalize(), "position": number, "problem": problem}
            )
    if problems:
        return problems
    if len(ring) < 4:
        return [
            _(
                "%(ring)s has %(count)s positions; a ring needs at least 4 "
                "(the last repeating the first)."
            )
            % {"ring": label.capitalize(), "count": len(ring)}
        ]
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return [
            _("%(ring)s is not closed: it starts at %(first)s but ends at %(last)s.")
            % {"ring": label.capitalize(), "first": _preview(ring[0]), "last": _preview(ring[-1])}
        ]
    return []


def _position_problem(position: Any) -> str | None:
    if not isinstance(position, list) or not 2 <= len(position) <= 3:
        return _("%(value)s is not a [longitude, latitude] position.") % {
            "value": _preview(position)
        }
    lon, lat = position[0], position[1]
    # The common case first, without building any message: files hold millions of positions.
    lon_ok = _is_number(lon) and -180 <= lon <= 180
    lat_ok = _is_number(lat) and -90 <= lat <= 90
    if lon_ok and lat_ok and (len(position) == 2 or _is_number(position[2])):
        return None
    for axis, value, limit in ((_("longitude"), lon, 180), (_("latitude"), lat, 90)):
        if not _is_number(value):
            return _("the %(axis)s %(value)s is not a number.") % {
                "axis": axis,
                "value": _preview(value),
            }
        if not -limit <= value <= limit:
            return _("the %(axis)s %(value)s is outside -%(limit)s..%(limit)s.") % {
                "axis": axis,
                "value": value,
                "limit": limit,
            }
    return _("the height %(value)s is not a number.") % {"value": _preview(position[2])}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validity_problems(kind: str, polygons: list[tuple[int | None, list]]) -> list[str]:
    """Rings that cross themselves, holes outside their shell and the like, in plain words."""
    problems: list[str] = []
    for number, rings in polygons:
        for ring_number, ring in enumerate(rings, 1):
            problem = _ring_validity_problem(ring)
            if problem:
                problems.append(
                    _("%(ring)s %(problem)s")
                    % {"ring": _ring_label(number, ring_number).capitalize(), "problem": problem}
                )
    if problems:
        return problems
    for number, rings in polygons:
        polygon = _polygon(rings)
        if not polygon.is_valid:
            problems.append(_polygon_validity_problem(number, shapely.is_valid_reason(polygon)))
    if problems or kind == "Polygon":
        return problems
    multipolygon = _multipolygon([rings for _number, rings in polygons])
    if not multipolygon.is_valid:
        problems.append(_multipolygon_validity_problem(shapely.is_valid_reason(multipolygon)))
    return problems


def _ring_validity_problem(ring: list) -> str | None:
    line = shapely.LinearRing(ring)
    if line.convex_hull.area == 0:
        return _("encloses no area (its positions repeat or lie on one line).")
    if line.is_simple:
        return None
    reason, point = _split_reason(shapely.is_valid_reason(shapely.Polygon(ring)))
    if reason == "Ring Self-intersection":
        return _("touches itself at %(point)s; draw the two parts as separate polygons.") % {
            "point": point
        }
    return _("crosses itself near %(point)s.") % {"point": point}


def _polygon_validity_problem(number: int | None, validity: str) -> str:
    reason, point = _split_reason(validity)
    subject = _polygon_label(number).capitalize()
    messages = {
        "Self-intersection": _("%(polygon)s: its rings cross each other near %(point)s."),
        "Hole lies outside shell": _(
            "%(polygon)s: a hole lies outside the outer ring near %(point)s."
        ),
        "Holes are nested": _("%(polygon)s: a hole lies inside another hole near %(point)s."),
        "Interior is disconnected": _(
            "%(polygon)s: its holes cut it into separate pieces near %(point)s."
        ),
    }
    template = messages.get(
        reason, _("%(polygon)s is not a valid polygon (%(reason)s near %(point)s).")
    )
    return template % {"polygon": subject, "point": point, "reason": reason}


def _multipolygon_validity_problem(validity: str) -> str:
    reason, point = _split_reason(validity)
    if reason == "Self-intersection":
        return _("Two of its polygons overlap near %(point)s.") % {"point": point}
    if reason == "Nested shells":
        return _("One of its polygons lies inside another near %(point)s.") % {"point": point}
    return _("It is not a valid MultiPolygon (%(reason)s near %(point)s).") % {
        "reason": reason,
        "point": point,
    }


def _split_reason(validity: str) -> tuple[str, str]:
    """GEOS says `Self-intersection[113.085 22.585]`; split it into reason and `(lon, lat)`."""
    match = _VALIDITY_REASON.match(validity)
    if not match:
        return validity, "?"
    return match["reason"].strip(), f"({match['x']}, {match['y']})"


# --- Areas ------------------------------------------------------------------------------------


def to_local_metres(geometry: Any, lon0: float, lat0: float) -> Any:
    """Project lon/lat to metres with Lambert's cylindrical equal-area projection whose standard
    parallel is `lat0` (x east, y north, origin at lon0/lat0).

    On a sphere the projection is equal-area everywhere; scaling it by the WGS84 ellipsoid's
    radii of curvature at `lat0` makes the area element M·N·cos φ exact at `lat0`, with a
    relative error of about 2·e²·sin 2φ·Δφ elsewhere (under 0.05 % within 2° of `lat0`, far
    more than a district). Works on one geometry or an array of them.
    """
    phi0 = math.radians(lat0)
    sin0, cos0 = math.sin(phi0), math.cos(phi0)
    w = math.sqrt(1 - _ECCENTRICITY_SQUARED * sin0 * sin0)
    prime_vertical = _SEMI_MAJOR_AXIS_M / w
    meridional = _SEMI_MAJOR_AXIS_M * (1 - _ECCENTRICITY_SQUARED) / w**3
    x_scale = prime_vertical * cos0 * math.pi / 180
    y_scale = meridional / cos0

    def project(coordinates: np.ndarray) -> np.ndarray:
        x = (coordinates[:, 0] - lon0) * x_scale
        y = (np.sin(np.radians(coordinates[:, 1])) - sin0) * y_scale
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def area_m2(geometry: Any) -> Any:
    """Area in square metres of one geometry, or of each geometry in an array (all projected
    around the centre of their common bounds, which `to_local_metres` allows)."""
    if isinstance(geometry, BaseGeometry) and geometry.is_empty:
        return 0.0
    if not isinstance(geometry, BaseGeometry) and len(geometry) == 0:
        return np.zeros(0)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geometry)
    projected = to_local_metres(geometry, (xmin + xmax) / 2, (ymin + ymax) / 2)
    return shapely.area(projected)


@dataclass(frozen=True)
class Overlap:
    """Feature `first` (an index into the new shapes) overlaps `second` by `area_m2`.

    `second` indexes the new shapes when `second_is_new`, else the fixed (existing) shapes.
    """

    first: int
    second: int
    second_is_new: bool
    area_m2: float


def find_overlaps(
    new_shapes: list[BaseGeometry], fixed_shapes: list[BaseGeometry], tolerance_m2: float
) -> list[Overlap]:
    """Pairs whose interiors overlap by more than the tolerance: new with new (each pair once,
    reported on the later one) and new with fixed. An STRtree finds candidate pairs, so the
    cost grows with the number of neighbours, not with the square of the number of grids."""
    new = np.asarray(new_shapes, dtype=object)
    every = np.asarray([*new_shapes, *fixed_shapes], dtype=object)
    if len(new) == 0 or len(every) < 2:
        return []
    tree = shapely.STRtree(every)
    first, second = tree.query(new, predicate="intersects")
    keep = (second >= len(new)) | (second < first)
    first, second = first[keep], second[keep]
    # Neighbours that only share a border touch; only the rest can overlap.
    overlapping = ~shapely.touches(new[first], every[second])
    first, second = first[overlapping], second[overlapping]
    areas = area_m2(shapely.intersection(new[first], every[second]))
    over = areas > tolerance_m2
    return [
        Overlap(
            first=int(i),
            second=int(j) if j < len(new) else int(j) - len(new),
            second_is_new=bool(j < len(new)),
            area_m2=float(area),
        )
        for i, j, area in zip(first[over], second[over], areas[over], strict=True)
    ]


@dataclass(frozen=True)
class Piece:
    """One part of a geometry (a gap, a spill) with its area."""

    geometry: dict[str, Any]
    area_m2: float


def difference_pieces(
    geometry: BaseGeometry, removed: BaseGeometry | None, tolerance_m2: float
) -> list[Piece]:
    """The parts of `geometry` outside `removed`, each at least `tolerance_m2`, largest first."""
    rest = geometry if removed is None or removed.is_empty else geometry.difference(removed)
    parts = [part for part in shapely.get_parts(rest) if isinstance(part, shapely.Polygon)]
    if not parts:
        return []
    areas = area_m2(np.asarray(parts, dtype=object))
    pieces = [
        Piece(geometry=to_geojson(part), area_m2=float(area))
        for part, area in zip(parts, areas, strict=True)
        if area >= tolerance_m2
    ]
    return sorted(pieces, key=lambda piece: -piece.area_m2)


def format_m2(area: float) -> str:
    """An area for a message: 1,234.5 above a square metre, two significant digits below."""
    return f"{area:,.1f}" if area >= 1 else f"{area:.2g}"


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geometry))


def shape_or_none(geometry: Any) -> BaseGeometry | None:
    """A stored boundary as a valid shapely geometry, repaired if a trusted writer stored a
    slightly broken one, or None when it cannot be read at all."""
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        return None
    try:
        shape = shape_of(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, GEOSException):
        return None
    if shape.is_empty:
        return None
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    return shape
