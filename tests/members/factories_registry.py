"""Factories of the register: the four colleges of the worked example, admitted members with shares."""

from datetime import date

from coopnum.core import clock
from coopnum.members.models import MemberKind
from coopnum.members.services import registry
from tests import days

WEIGHTS = (("Salariés", 40), ("Collectivités", 20), ("Bénéficiaires", 20), ("Soutiens", 20))


def colleges(session, weights=WEIGHTS) -> list:
    return [registry.create_college(session, None, name=name, weight_percent=w, now=clock.now())
            for name, w in weights]


def member(session, college, *, name: str = "Claire Martin", shares: int = 1, on: date | None = None,
           paid_cents: int | None = None, kind: str = MemberKind.PERSON, public_body: bool = False, user=None,
           **contact):
    """An admitted member (``shares`` > 0) or a candidate (``shares`` = 0); fully paid by default."""
    on = on or days.days(-400)
    details = registry.ContactDetails(name=name, kind=kind, public_body=public_body, **contact)
    candidate = registry.create_candidate(session, None, details, college_id=college.id, applied_on=on,
                                          now=clock.now())
    if user is not None:
        registry.link_user(session, None, candidate, user, now=clock.now())
    if not shares:
        return candidate
    paid = shares * 5000 if paid_cents is None else paid_cents
    return registry.admit(session, None, candidate, on=on, shares=shares, paid_cents=paid, now=clock.now())


def registry_world(session, users) -> dict:
    """For the access table: colleges, the member user's own member (with shares), another member, a candidate."""
    cols = colleges(session)
    own = member(session, cols[0], name="Membre Connecté", shares=2, user=users["member"])
    other = member(session, cols[1], name="Autre Sociétaire", shares=1)
    candidate = member(session, cols[2], name="Candidate Attente", shares=0)
    session.flush()
    return {"college": cols[0].id, "own_member": own.id, "other_member": other.id, "candidate_member": candidate.id,
            **assemblies_world(session)}


def assemblies_world(session) -> dict:
    """For the access table: an AGO convened on paper, 20 days ahead, with a document and an open resolution."""
    from datetime import timedelta

    from coopnum.members.services import assemblies

    now = clock.now()
    assembly = assemblies.create_assembly(session, None, kind="AGO", convocation=1, starts_at=now + timedelta(days=20),
                                          place="Salle des fêtes", convened_on=days.TODAY, now=now)
    document = assemblies.add_document(session, None, assembly, title="Comptes", filename="comptes.pdf",
                                       content=b"%PDF-1.4 comptes", now=now)
    resolution = assemblies.add_resolution(session, None, assembly, title="Approbation des comptes", now=now)
    assemblies.open_vote(session, None, resolution, now=now, closes_at=now + timedelta(days=19))
    session.flush()
    return {"assembly": assembly.id, "assembly_document": document.id, "resolution": resolution.id}
