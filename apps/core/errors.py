"""The domain error family. Services raise these; views, forms and the API translate them once.

Each error has a stable machine code, a human message (Chinese first, translated through gettext),
the HTTP status the API answers with, and optionally the form field it belongs to.
"""

from typing import ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    """The request is malformed or breaks a business rule about its own content."""


class PermissionDenied(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The request is fine but the state of the world refuses it: sold out, already paid, closed."""

    status = 409
    default_code = "conflict"


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
