"""Domain errors: raised by services with a French message, translated into a form error, a flash or a JSON error."""


class DomainError(Exception):
    """A rule of the domain refused the operation. ``message`` is shown to the user as is."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The operation conflicts with existing data (double booking, duplicate…)."""

    code = "conflict"
    status = 409
