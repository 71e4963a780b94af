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


CONCURRENT_CHANGE = ("Ces données viennent d'être modifiées par une autre personne, en même temps que vous : "
                     "rechargez la page et vérifiez avant de recommencer.")
# PostgreSQL SQLSTATEs of a concurrent request that won: unique violation, exclusion violation (two bookings of one
# asset overlapping), serialization failure, deadlock
_CONCURRENT_SQLSTATES = {"23505", "23P01", "40001", "40P01"}


def conflict_from_database(exc: Exception) -> Conflict | None:
    """The Conflict that a database error stands for when a concurrent request won the race (it committed the same
    unique row first, or a lock wait ended in a deadlock), else None: any other database error is a bug (a 500).

    The rows themselves are guarded by the constraints; this only turns the loser's error into a French answer (409
    in the API, a message on the page) instead of an internal error."""
    from sqlalchemy.exc import DBAPIError, IntegrityError

    if not isinstance(exc, DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _CONCURRENT_SQLSTATES:
        return Conflict(CONCURRENT_CHANGE)
    if isinstance(exc, IntegrityError) and str(exc.orig).startswith("UNIQUE constraint failed"):  # SQLite
        return Conflict(CONCURRENT_CHANGE)
    return None
