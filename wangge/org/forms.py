"""Forms of the org pages. They check what a person typed or chose; the rules about grids
themselves live in the services (`import_grids` decides whether a file is acceptable)."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from wangge.org.exceptions import FeatureError

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
