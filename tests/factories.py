"""Factories: plain functions that add objects to the session (flush, no commit)."""

import itertools
from functools import cache

from stdnum import luhn

from coopnum.core.models import Role, User
from coopnum.missions.models import Organisation, OrganisationKind, Place

_seq = itertools.count(1)


@cache
def _password_hash() -> str:
    from coopnum.core.security import hash_password
    from tests.conftest import TEST_PASSWORD

    return hash_password(TEST_PASSWORD)


def siret(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    siren8 = f"2{n:07d}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = "0001"
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


def user(session, *, roles=(Role.MEDIATOR,), email: str | None = None, full_name: str | None = None,
         organisation: Organisation | None = None, active: bool = True) -> User:
    n = next(_seq)
    u = User(
        email=email or f"{'-'.join(str(r) for r in roles)}{n}@example.org",
        full_name=full_name or f"Personne {n}",
        password_hash=_password_hash(),
        active=active,
        organisation_id=organisation.id if organisation else None,
    )
    u.set_roles(roles)
    session.add(u)
    session.flush()
    return u


def organisation(session, *, name: str | None = None, kind=OrganisationKind.COMMUNE, **kw) -> Organisation:
    n = next(_seq)
    org = Organisation(name=name or f"Commune {n}", kind=kind, siret=kw.pop("siret", siret(n)),
                       address=kw.pop("address", "1 place de la Mairie"), postal_code=kw.pop("postal_code", "86000"),
                       city=kw.pop("city", "Poitiers"), insee_code=kw.pop("insee_code", "86194"), **kw)
    session.add(org)
    session.flush()
    return org


def place(session, *, organisation: Organisation | None = None, name: str | None = None, **kw) -> Place:
    n = next(_seq)
    p = Place(organisation_id=organisation.id if organisation else None, name=name or f"Lieu {n}",
              address=kw.pop("address", "2 rue de la Gare"), postal_code=kw.pop("postal_code", "86000"),
              city=kw.pop("city", "Poitiers"), insee_code=kw.pop("insee_code", "86194"), **kw)
    session.add(p)
    session.flush()
    return p
