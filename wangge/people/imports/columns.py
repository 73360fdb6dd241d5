"""The columns of each kind of registry sheet, how a header cell is recognised, and how a cell
becomes a value.

Headers are translated in their own context ("registry column"), so that 姓名 and 备注 do not
take the wording of another page's "Name" and "Note". A header is recognised in the language of
the template (the msgid, its Chinese translation) and under the names real ledgers use
(`aliases`: 身份证号, 联系电话, …), so a county's own Excel ledger imports without renaming its
columns. Choices (证件类型, 性别, 用途, 与房屋关系) are recognised by their stored value, their
label in either language, or a common Chinese word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from wangge.people.exceptions import Invalid
from wangge.people.models import DocumentType, HouseUse, Relation, Sex


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    hint: Promise | None = None
    choices: type[TextChoices] | None = None
    # Written as text in the template, so Excel keeps long digit strings (ID numbers) whole.
    is_text: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    label: Promise
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


GRID = Column(
    "grid",
    pgettext_lazy("registry column", "Grid code"),
    required=True,
    aliases=("网格编码", "网格编号", "网格代码"),
    hint=gettext_lazy("The code of the grid, as in the org tree"),
    is_text=True,
)
COMPOUND = Column(
    "compound",
    pgettext_lazy("registry column", "Compound"),
    aliases=("小区", "小区名称"),
    hint=gettext_lazy("Leave empty for a building standing alone in the grid"),
)
BUILDING = Column(
    "building", pgettext_lazy("registry column", "Building"), aliases=("楼栋", "楼栋名称", "楼号")
)
HOUSE_NUMBER = Column(
    "number",
    pgettext_lazy("registry column", "House number"),
    aliases=("房号", "门牌号", "房间号"),
    is_text=True,
)
FLOOR = Column("floor", pgettext_lazy("registry column", "Floor"), aliases=("楼层", "所在楼层"))
USE = Column(
    "use", pgettext_lazy("registry column", "Use"), aliases=("用途", "房屋用途"), choices=HouseUse
)
ADDRESS = Column(
    "address", pgettext_lazy("registry column", "Address"), aliases=("地址", "详细地址")
)

COMPOUNDS = Kind(
    "compounds",
    gettext_lazy("Compounds"),
    (
        GRID,
        Column("compound", COMPOUND.label, required=True, aliases=COMPOUND.aliases),
        ADDRESS,
        Column(
            "property_manager",
            pgettext_lazy("registry column", "Property manager"),
            aliases=("物业公司", "物业管理单位", "物业"),
        ),
    ),
)
BUILDINGS = Kind(
    "buildings",
    gettext_lazy("Buildings"),
    (
        GRID,
        COMPOUND,
        Column("building", BUILDING.label, required=True, aliases=BUILDING.aliases),
        ADDRESS,
        Column(
            "floors",
            pgettext_lazy("registry column", "Floors"),
            aliases=("楼层数", "层数", "总层数"),
        ),
    ),
)
HOUSES = Kind(
    "houses",
    gettext_lazy("Houses"),
    (
        GRID,
        COMPOUND,
        Column("building", BUILDING.label, required=True, aliases=BUILDING.aliases),
        Column("number", HOUSE_NUMBER.label, required=True, aliases=HOUSE_NUMBER.aliases),
        FLOOR,
        ADDRESS,
        Column(
            "area_m2",
            pgettext_lazy("registry column", "Floor area (m²)"),
            aliases=("建筑面积", "面积"),
        ),
        USE,
        Column("rooms", pgettext_lazy("registry column", "Rooms"), aliases=("间数", "房间数")),
    ),
)
# The common ledger (实有人口登记表): a person per row, with the house they live in.
PERSONS = Kind(
    "persons",
    gettext_lazy("Persons and residences"),
    (
        GRID,
        COMPOUND,
        Column(
            "building",
            BUILDING.label,
            aliases=BUILDING.aliases,
            hint=gettext_lazy("With the house number: where the person lives"),
        ),
        HOUSE_NUMBER,
        FLOOR,
        USE,
        Column("name", pgettext_lazy("registry column", "Name"), required=True, aliases=("姓名",)),
        Column(
            "document_type",
            pgettext_lazy("registry column", "Document type"),
            aliases=("证件类型",),
            choices=DocumentType,
            hint=gettext_lazy("Empty: resident ID card"),
        ),
        Column(
            "document_number",
            pgettext_lazy("registry column", "Document number"),
            required=True,
            aliases=("证件号码", "身份证号", "身份证号码", "公民身份号码"),
            is_text=True,
        ),
        Column(
            "phone",
            pgettext_lazy("registry column", "Phone number"),
            aliases=("手机号码", "手机号", "联系电话", "电话"),
            is_text=True,
        ),
        Column("sex", pgettext_lazy("registry column", "Sex"), aliases=("性别",), choices=Sex),
        Column("birth_date", pgettext_lazy("registry column", "Birth date"), aliases=("出生日期",)),
        Column("ethnicity", pgettext_lazy("registry column", "Ethnic group"), aliases=("民族",)),
        Column(
            "registered_region",
            pgettext_lazy("registry column", "Registered region code"),
            aliases=("户籍地区划代码", "户籍地代码"),
            is_text=True,
        ),
        Column(
            "registered_address",
            pgettext_lazy("registry column", "Registered address"),
            aliases=("户籍地址",),
        ),
        Column(
            "workplace",
            pgettext_lazy("registry column", "Workplace or school"),
            aliases=("工作单位", "服务处所"),
        ),
        Column(
            "relation",
            pgettext_lazy("registry column", "Relation to the house"),
            aliases=("与房屋关系", "人房关系"),
            choices=Relation,
        ),
        Column(
            "moved_in",
            pgettext_lazy("registry column", "Moved in on"),
            aliases=("入住日期", "入住时间"),
        ),
        Column("note", pgettext_lazy("registry column", "Note"), aliases=("备注",)),
    ),
)
KINDS: dict[str, Kind] = {kind.name: kind for kind in (COMPOUNDS, BUILDINGS, HOUSES, PERSONS)}

# The columns an error sheet adds; ignored on import, so a corrected error sheet imports as is.
ROW_LABEL = pgettext_lazy("registry column", "Row")
ERRORS_LABEL = pgettext_lazy("registry column", "Errors")
_IGNORED_ALIASES = ("行号", "错误", "错误信息")

_CHOICE_ALIASES: dict[type[TextChoices], dict[str, str]] = {
    DocumentType: {
        "身份证": DocumentType.ID_CARD,
        "居民身份证": DocumentType.ID_CARD,
        "港澳居民居住证": DocumentType.HK_MACAO_PERMIT,
        "港澳通行证": DocumentType.HK_MACAO_PERMIT,
        "台湾居民居住证": DocumentType.TAIWAN_PERMIT,
        "台胞证": DocumentType.TAIWAN_PERMIT,
        "外国人永久居留身份证": DocumentType.FOREIGN_PERMANENT,
        "护照": DocumentType.PASSPORT,
        "其他": DocumentType.OTHER,
    },
    Sex: {"男": Sex.MALE, "女": Sex.FEMALE, "未知": Sex.UNKNOWN, "未说明": Sex.UNKNOWN},
    Relation: {
        "业主": Relation.OWNER,
        "房主": Relation.OWNER,
        "产权人": Relation.OWNER,
        "家属": Relation.FAMILY,
        "家庭成员": Relation.FAMILY,
        "亲属": Relation.FAMILY,
        "租户": Relation.TENANT,
        "租客": Relation.TENANT,
        "承租人": Relation.TENANT,
        "其他": Relation.OTHER,
    },
    HouseUse: {
        "自住": HouseUse.OWNER_OCCUPIED,
        "出租": HouseUse.RENTED,
        "出租屋": HouseUse.RENTED,
        "空置": HouseUse.VACANT,
        "闲置": HouseUse.VACANT,
        "商铺": HouseUse.SHOP,
        "商用": HouseUse.SHOP,
        "其他": HouseUse.OTHER,
    },
}
_LANGUAGES = ("en", "zh-hans")
_SEEN_KEPT = 1_000
_BLANKS = re.compile(r"[\s*＊]+")


def normal(text: str) -> str:
    """How headers and choice words are compared: no spaces or required-marks, case folded."""
    return _BLANKS.sub("", text).casefold()


def _names(label: Promise, aliases: tuple[str, ...]) -> set[str]:
    names = {normal(str(label)), *(normal(alias) for alias in aliases)}
    for language in _LANGUAGES:
        with translation.override(language):
            names.add(normal(str(label)))
    return names


@dataclass(frozen=True)
class Header:
    """Which column of the file holds which key; `labels` are the file's own header cells."""

    kind: Kind
    positions: dict[str, int]
    labels: list[str]

    def label_of(self, key: str) -> str:
        """The header cell of `key` as the file spells it (the template's label if absent)."""
        if key in self.positions:
            return self.labels[self.positions[key]]
        return str(self.kind.column(key).label)


def match_header(kind: Kind, cells: list[str]) -> Header:
    """The file's header row read against `kind`; Invalid naming an unknown, repeated or
    missing header."""
    known = {
        name: column.key for column in kind.columns for name in _names(column.label, column.aliases)
    }
    ignored = _names(ROW_LABEL, ()) | _names(ERRORS_LABEL, ()) | set(_IGNORED_ALIASES)
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = normal(cell)
        if not name or name in ignored:
            continue
        key = known.get(name)
        if key is None:
            raise Invalid(
                _(
                    "Unknown column %(header)s (column %(letter)s): "
                    "a %(kind)s sheet has %(columns)s."
                )
                % {
                    "header": f"“{cell}”",
                    "letter": column_letter(index),
                    "kind": kind.label,
                    "columns": "、".join(str(column.label) for column in kind.columns),
                },
                "header",
            )
        if key in positions:
            raise Invalid(
                _("The column %(header)s appears twice (columns %(first)s and %(second)s).")
                % {
                    "header": f"“{cell}”",
                    "first": column_letter(positions[key]),
                    "second": column_letter(index),
                },
                "header",
            )
        positions[key] = index
    missing = [
        str(column.label)
        for column in kind.columns
        if column.required and column.key not in positions
    ]
    if missing:
        raise Invalid(
            _("The header row has no %(headers)s column, which a %(kind)s sheet needs.")
            % {"headers": "、".join(f"“{name}”" for name in missing), "kind": kind.label},
            "header",
        )
    return Header(kind, positions, [str(cell) for cell in cells])


def guess_kind(cells: list[str]) -> Kind:
    """The kind whose columns a header row has: a name column makes it a persons sheet."""
    names = {normal(cell) for cell in cells}
    for kind, key in ((PERSONS, "name"), (HOUSES, "number"), (BUILDINGS, "building")):
        column = kind.column(key)
        if names & _names(column.label, column.aliases):
            return kind
    return COMPOUNDS


def column_letter(index: int) -> str:
    """A, B, … Z, AA, …: how a spreadsheet names the column at `index` (from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class ChoiceReader:
    """Reads a choice cell: its value, its label in either language, or a common word."""

    def __init__(self, choices: type[TextChoices]) -> None:
        self.words: dict[str, str] = {}
        for choice in choices:
            self.words[normal(choice.value)] = choice.value
            for language in _LANGUAGES:
                with translation.override(language):
                    self.words[normal(str(choice.label))] = choice.value
            self.words[normal(str(choice.label))] = choice.value
        for word, value in _CHOICE_ALIASES.get(choices, {}).items():
            self.words[normal(word)] = value
        self.choices = choices
        self.seen: dict[str, str] = {}

    def __call__(self, key: str, text: str) -> str:
        if not text:
            return ""
        value = self.seen.get(text)
        if value is not None:
            return value
        value = self.words.get(normal(text))
        if value is not None and len(self.seen) < _SEEN_KEPT:
            self.seen[text] = value  # a ledger spells its choices the same way a million times
        if value is None:
            raise Invalid(
                _("%(value)s is not one of: %(choices)s.")
                % {
                    "value": f"“{text}”",
                    "choices": "、".join(str(choice.label) for choice in self.choices),
                },
                key,
            )
        return value


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: numbers without a trailing .0, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def read_date(key: str, text: str) -> date | None:
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    found = _parse_date(text)
    if found is None:
        raise Invalid(
            _("%(value)s is not a date; write it as 2020-05-01.") % {"value": f"“{text}”"}, key
        )
    return found


# strptime is slow and a ledger repeats its dates (moving-in days, birth days) row after row.
@lru_cache(maxsize=4096)
def _parse_date(text: str) -> date | None:
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def read_whole_number(key: str, text: str) -> int | None:
    if not text:
        return None
    number = _whole_number(text)
    if number is None:
        raise Invalid(_("%(value)s is not a whole number.") % {"value": f"“{text}”"}, key)
    return number


@lru_cache(maxsize=1024)
def _whole_number(text: str) -> int | None:
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)
