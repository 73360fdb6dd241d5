"""Files sent through the API: uploaded first by the caller (`POST /api/v1/attachments`, the
case app's checked upload), then cited by uid. Only the caller's own uploads that nothing uses
yet may be cited."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from wangge.cases.models import Attachment
from wangge.core.models import User
from wangge.meetings.exceptions import Invalid
from wangge.meetings.models import StepDocument, TaskEvidence


def own_uploads(user: User, uids: list[str], field: str) -> list[Attachment]:
    try:
        wanted = [uuid.UUID(str(uid)) for uid in uids]
    except ValueError:
        raise Invalid(_("Unknown file."), field) from None
    found = list(
        Attachment.objects.filter(uid__in=wanted, uploaded_by=user, case__isnull=True)
        .exclude(pk__in=StepDocument.objects.values("attachment_id"))
        .exclude(pk__in=TaskEvidence.objects.values("attachment_id"))
    )
    if len(found) != len(set(wanted)):
        raise Invalid(_("Unknown file, or one already used."), field)
    return found
