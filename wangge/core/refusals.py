"""What every app's refusals share: a service raises a subclass of `Refusal` with a message for
a person (or the class's default) and the field at fault, if any; each adapter maps them once
(a message beside the field on a page, a 4xx naming the field in the API, an exit code in the
CLI). Each app derives its own base (`ClaimsError`, …) and kinds (`NotAllowed`, `NotFound`,
`Invalid`, …), so an adapter catches only its own app's refusals."""

from __future__ import annotations

from django.utils.translation import gettext


class Refusal(Exception):
    def __init__(self, message: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self._message = message
        self.field = field

    def default_message(self) -> str:
        return gettext("This cannot be done.")

    @property
    def message(self) -> str:
        return str(self._message) if self._message is not None else self.default_message()

    def __str__(self) -> str:
        return self.message
