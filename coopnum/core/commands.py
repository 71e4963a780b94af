"""Typed commands: what a page or the API asks a service to do, as one frozen dataclass of plain values.

A service takes a command rather than a dict of form values: its fields are named and typed in one place, a name
that is not a field is refused once (in French, for the API), and a change of some fields (the API's ``PATCH``) is
the current object's command with those fields replaced::

    data = OrganisationData.of(org).but(city="Poitiers")
    update_organisation(session, actor, org, data, now=now)

A domain's command is ``@dataclass(frozen=True) class XData(Command)``; the service checks its values
(``clean_x(data)``), so a command may hold what a form posted (strings, ``None``) as well as typed values."""

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, Self

from coopnum.core.errors import DomainError


class Command:
    """Mixin of a frozen dataclass given to a service."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def _refuse_unknown(cls, keys) -> None:
        unknown = set(keys) - set(cls.names())
        if unknown:
            raise DomainError(f"Champ inconnu : {', '.join(sorted(unknown))}.")

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Self:
        """The command from a mapping (a JSON body, a form's data); an unknown name is a DomainError."""
        cls._refuse_unknown(values)
        return cls(**values)

    @classmethod
    def from_form(cls, form) -> Self:
        """The command from the fields of a WTForms form that bear the command's names."""
        return cls(**{name: form[name].data for name in cls.names() if name in form})

    @classmethod
    def of(cls, obj) -> Self:
        """The command that would leave ``obj`` as it is: its current values."""
        return cls(**{name: getattr(obj, name) for name in cls.names()})

    def but(self, **changes) -> Self:
        """The same command with some fields replaced; an unknown name is a DomainError."""
        self._refuse_unknown(changes)
        return replace(self, **changes)
