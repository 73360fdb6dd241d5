"""Photos and files for cases: checked by content (never by the name or the declared type),
size-limited, images re-encoded (which drops EXIF, and with it a resident's GPS position), and
stored under MEDIA_ROOT with a random name. An upload is linked to a case and event later, by the
report or action that cites its uid.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment
from wangge.core import clock
from wangge.core.models import User

# Re-encoded photos are at most this wide or high: phone cameras send 4000 px and more.
MAX_PHOTO_SIDE = 2560
MAX_PIXELS = 40_000_000  # larger images are refused before decoding (decompression bombs)
_IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": None}
_PDF_MAGIC = b"%PDF-"


def max_attachment_bytes() -> int:
    return settings.CASE_ATTACHMENT_MAX_MB * 1024 * 1024


def _read_limited(source: IO[bytes] | bytes, field: str) -> bytes:
    limit = max_attachment_bytes()
    data = bytes(source) if isinstance(source, bytes | bytearray) else source.read(limit + 1)
    if len(data) > limit:
        raise CaseInvalid(
            field,
            _("The file is larger than %(mb)s MB.") % {"mb": settings.CASE_ATTACHMENT_MAX_MB},
        )
    if not data:
        raise CaseInvalid(field, _("The file is empty."))
    return data


def _reencode_image(data: bytes, field: str) -> tuple[bytes, str, str]:
    """(bytes, content type, extension) of the image re-encoded without its metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise CaseInvalid(field, _("The image has too many pixels."))
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise CaseInvalid(field, _("The file is not an image this platform can read.")) from error
    if image.format not in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "HEIF", "MPO"):
        raise CaseInvalid(field, _("Photos must be JPEG, PNG or WebP images."))
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    output = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and image.format != "JPEG":
        image.save(output, format="PNG", optimize=True)
        return output.getvalue(), "image/png", ".png"
    image.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue(), "image/jpeg", ".jpg"


def store_attachment(
    actor: User | None,
    source: IO[bytes] | bytes,
    *,
    name: str,
    photo_only: bool = False,
    field: str = "attachments",
) -> Attachment:
    """Check and keep one upload; photos are re-encoded. Refusals name `field`."""
    data = _read_limited(source, field)
    if data.startswith(_PDF_MAGIC) and not photo_only:
        content, content_type, extension, is_image = data, "application/pdf", ".pdf", False
    else:
        try:
            content, content_type, extension = _reencode_image(data, field)
        except CaseInvalid as error:
            if photo_only:
                raise
            raise CaseInvalid(
                field, _("Only photos (JPEG, PNG, WebP) and PDF files are accepted.")
            ) from error
        is_image = True
    clean_name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:150] or "file"
    attachment = Attachment(
        uid=uuid.uuid4(),
        name=clean_name,
        extension=extension,
        content_type=content_type,
        size=len(content),
        is_image=is_image,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if isinstance(actor, User) else None,
        created_at=clock.now(),
    )
    attachment.file.save(attachment.uid.hex + extension, ContentFile(content), save=False)
    attachment.save()
    return attachment
