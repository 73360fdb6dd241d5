"""Forms of the org pages. They check what a person typed or chose; the rules about grids, units
and roles live in the services (`import_grids` decides whether a file is acceptable,
`create_unit` where a unit may stand, `grant_role` where a role may be held)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from wangge.core.models import User
from wangge.org.exceptions import FeatureError
from wangge.org.models import GridKind, OrgUnit
from wangge.org.roles import PARENT_KINDS, ROLE_UNIT_KINDS, Role, UnitKind

GRID_FILE_SUFFIXES = (".geojson", ".json")


class GridImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        error_messages={
            "required": _("Choose a .geojson file to upload."),
            "invalid": _("No file was received. Choose a .geojson file and try again."),
            "missing": _("No file was received. Choose a .geojson file and try again."),
            "empty": _("The chosen file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A FeatureCollection of grid polygons in WGS84 longitude/latitude, "
            "at most %(limit)s. Each feature names its code, name and parent community."
        ) % {"limit": filesizeformat(settings.GRID_IMPORT_MAX_BYTES)}

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.GRID_IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it by community.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        if PurePath(upload.name or "").suffix.lower() not in GRID_FILE_SUFFIXES:
            raise forms.ValidationError(
                _("Choose a file ending in .geojson or .json."), code="suffix"
            )
        return upload

    def read_file(self) -> bytes:
        """The uploaded bytes (call after `is_valid()`)."""
        upload: UploadedFile = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read()

    def add_feature_errors(self, errors: list[FeatureError]) -> None:
        """Put every problem the importer found under the file field, one line each."""
        self.add_error(
            "file", forms.ValidationError([str(error) for error in errors], code="geojson")
        )


# --- Managing the tree and who works in it ----------------------------------------------------
# These forms only shape what was typed: which kinds of unit may stand where, which roles may
# be held where and whether an account name is free are decided by the services, whose
# refusals (`InvalidUnit.field`) the views put next to the field they name (`SERVICE_FIELDS`).


class ServiceForm(forms.Form):
    """A form whose values go to an org service: `add_refusal` shows the service's refusal
    (`InvalidUnit.field`) next to the field of this form that `SERVICE_FIELDS` maps it to."""

    SERVICE_FIELDS: dict[str, str] = {}

    def add_refusal(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field, field)
        self.add_error(target if target in self.fields else None, message)


def child_kinds(parent: OrgUnit) -> list[str]:
    """The kinds of unit that may stand directly under `parent` (what the create form offers)."""
    return [kind for kind in UnitKind.values if parent.kind in PARENT_KINDS[kind]]


def roles_at(unit: OrgUnit) -> list[tuple[str, str]]:
    """(role, label) of the roles that may be held in `unit` (what the role fields offer)."""
    return [(role, label) for role, label in Role.choices if unit.kind in ROLE_UNIT_KINDS[role]]


class UnitCreateForm(ServiceForm):
    SERVICE_FIELDS = {"parent": "kind"}

    kind = forms.CharField(label=_("Type"), widget=forms.Select)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 12-digit statistical division code where one exists; a grid takes its "
            "community's code and three digits; a department, a short code of your choosing."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    grid_kind = forms.ChoiceField(label=_("Grid kind"), required=False)

    def __init__(self, *args: Any, parent: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = child_kinds(parent)
        self.fields["kind"].widget.choices = [(kind, UnitKind(kind).label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        if UnitKind.GRID in kinds:
            self.fields["grid_kind"].choices = list(GridKind.objects.values_list("code", "name"))
            self.fields["grid_kind"].help_text = _(
                "For grids only. Draw the boundary with the grid import."
            )
        else:
            del self.fields["grid_kind"]

    def chosen_grid_kind(self) -> GridKind | None:
        code = self.cleaned_data.get("grid_kind")
        return GridKind.objects.filter(code=code).first() if code else None


class UnitRenameForm(ServiceForm):
    name = forms.CharField(label=_("New name"), max_length=100)


class UnitMoveForm(ServiceForm):
    parent = forms.CharField(
        label=_("New parent unit"),
        widget=forms.Select,
        help_text=_("The units below move with it."),
    )

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].widget.choices = [("", "—"), *candidates]


class RoleField(forms.CharField):
    """A role chosen from those that may be held in a unit; any other value goes on to the
    service, which refuses it with the reason."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Role"))
        kwargs.setdefault("widget", forms.Select)
        super().__init__(**kwargs)


class GrantRoleForm(ServiceForm):
    SERVICE_FIELDS = {"unit": "role", "user": "username"}

    username = forms.CharField(
        label=_("Account name"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    role = RoleField()

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "grant")
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.choices = roles_at(unit)


class AccountForm(ServiceForm):
    """A new account with a password typed twice (checked by the site's password validators;
    never shown again) and its first role in the unit."""

    SERVICE_FIELDS = {"unit": "role"}

    username = forms.CharField(
        label=_("Account name"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Used to log in: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = RoleField()

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "account")
        super().__init__(*args, **kwargs)
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()
        self.fields["role"].widget.choices = roles_at(unit)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=data.get("username", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(first, user=candidate)
            except forms.ValidationError as problems:
                self.add_error("password1", problems)
        return data
