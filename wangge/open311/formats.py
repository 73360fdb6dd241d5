"""The two wire formats of GeoReport v2: XML (required by the spec) and JSON (offered).

A document is plain data (dicts, lists, strings, numbers, booleans, None) built by
`mapping.py`; this module only writes it out. JSON writes it as it is; XML names the root
element and the element of each list item, as the spec's examples do (`<services><service>`,
`<attributes><attribute>`, `<formats><format>`), and writes None as an empty element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from xml.etree import ElementTree

from django.http import HttpResponse

Format = Literal["xml", "json"]
FORMATS: tuple[Format, ...] = ("xml", "json")
# The spec makes XML the format every server has; a resource asked for without an extension
# gets it.
DEFAULT_FORMAT: Format = "xml"

CONTENT_TYPES: dict[Format, str] = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

# The element of one item of each list, by the list's element name.
ITEM_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "timeline": "event",
}

# Characters XML 1.0 cannot carry even escaped (C0 controls other than tab and newlines, lone
# surrogates, U+FFFE/U+FFFF): a description pasted from elsewhere may hold them, and one of them
# would make the whole document ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item = ITEM_ELEMENTS.get(element.tag, "item")
        for child in value:
            _fill(ElementTree.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, document: Any) -> bytes:
    """`document` as a UTF-8 XML document whose root element is `root`."""
    element = ElementTree.Element(root)
    _fill(element, document)
    return _XML_DECLARATION + ElementTree.tostring(element, encoding="unicode").encode()


def to_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: Format, root: str, document: Any, *, status: int = 200) -> HttpResponse:
    """The response carrying `document` in `fmt`; `root` names the XML root element."""
    body = to_xml(root, document) if fmt == "xml" else to_json(document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: Format, status: int, descriptions: Sequence[str]) -> HttpResponse:
    """The spec's error list: one {code, description} per problem, all with the HTTP status."""
    errors = [{"code": status, "description": text} for text in descriptions]
    return render(fmt, "errors", errors, status=status)
