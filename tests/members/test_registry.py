"""The register: colleges and their check, candidates, admission (a register number never reused, at least one
share), leaving (dated, with the body), college moves, account links, search."""

import pytest
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.members.models import CollegeMove, MemberStatus, MemberStatusChange
from coopnum.members.services import capital, registry
from tests import days, factories
from tests.members import factories_registry as mf


@pytest.fixture
def cols(session):
    return mf.colleges(session)


def test_the_four_colleges_of_the_statutes_are_valid(session, cols):
    assert registry.college_problems(session) == []
    registry.check_colleges(session)


def test_fewer_than_three_colleges_are_refused(session):
    mf.colleges(session, (("Salariés", 50), ("Bénéficiaires", 50)))
    with pytest.raises(DomainError) as exc:
        registry.check_colleges(session)
    assert "au moins 3 collèges" in exc.value.message and "(il y en a 2)" in exc.value.message


def test_colleges_not_summing_to_100_are_refused_naming_the_sum(session, cols):
    registry.update_college(session, None, cols[3], weight_percent="25", now=clock.now())
    with pytest.raises(DomainError) as exc:
        registry.check_colleges(session)
    assert "105\u00a0% au lieu de 100\u00a0%" in exc.value.message
    assert exc.value.details["problems"] == ["la somme des poids des collèges est de 105\u00a0% au lieu de 100\u00a0%"]


def test_a_college_outside_10_to_50_percent_is_named(session):
    mf.colleges(session, (("Salariés", 60), ("Collectivités", 5), ("Bénéficiaires", 20), ("Soutiens", 15)))
    with pytest.raises(DomainError) as exc:
        registry.check_colleges(session)
    assert "« Salariés » pèse 60\u00a0%" in exc.value.message and "« Collectivités » pèse 5\u00a0%" in exc.value.message
    assert "somme" not in exc.value.message  # 60 + 5 + 20 + 15 = 100


def test_an_inactive_college_does_not_count(session, cols):
    registry.update_college(session, None, cols[3], active=False, now=clock.now())
    assert any("80\u00a0%" in p for p in registry.college_problems(session))


def test_college_names_are_unique_and_weights_checked(session, cols):
    with pytest.raises(DomainError, match="s'appelle déjà"):
        registry.create_college(session, None, name="salariés", weight_percent=10, now=clock.now())
    with pytest.raises(DomainError, match="Poids invalide"):
        registry.create_college(session, None, name="Autres", weight_percent="beaucoup", now=clock.now())
    with pytest.raises(DomainError, match="entre 0 et 100"):
        registry.create_college(session, None, name="Autres", weight_percent=120, now=clock.now())


def test_a_college_with_members_cannot_be_deactivated(session, cols):
    mf.member(session, cols[0], shares=1)
    with pytest.raises(DomainError, match="compte encore 1"):
        registry.update_college(session, None, cols[0], active=False, now=clock.now())


def test_admission_needs_a_share_and_gives_the_next_number(session, cols):
    first = mf.member(session, cols[0], name="Première", shares=1)
    candidate = mf.member(session, cols[1], name="Seconde", shares=0)
    assert candidate.status == MemberStatus.CANDIDATE and candidate.number is None
    with pytest.raises(DomainError, match="au moins une part"):
        registry.admit(session, None, candidate, on=days.days(-1), now=clock.now())
    registry.admit(session, None, candidate, on=days.days(-1), shares=2, now=clock.now())  # ¼ paid by default
    assert (first.number, candidate.number) == (1, 2)
    assert candidate.status == MemberStatus.ADMITTED and candidate.admitted_on == days.days(-1)
    assert capital.balance(session, candidate.id).paid_cents == 2500
    with pytest.raises(DomainError, match="n'est pas candidat"):
        registry.admit(session, None, candidate, on=days.days(-1), now=clock.now())


def test_register_numbers_are_never_reused(session, cols):
    first = mf.member(session, cols[0], name="Première", shares=1)
    second = mf.member(session, cols[1], name="Seconde", shares=1)
    registry.leave(session, None, second, status=MemberStatus.DECEASED, on=days.days(-1), body="other",
                   reference="acte de décès", now=clock.now())
    third = mf.member(session, cols[2], name="Troisième", shares=1)
    assert (first.number, second.number, third.number) == (1, 2, 3)


def test_a_subscription_paid_before_admission_counts(session, cols):
    candidate = mf.member(session, cols[1], shares=0)
    capital.subscribe(session, None, candidate, 1, on=days.days(-3), paid_cents=5000, now=clock.now())
    registry.admit(session, None, candidate, on=days.days(-2), body="assembly", reference="AG du jour",
                   now=clock.now())
    changes = registry.status_history(session, candidate.id)
    assert [(c.status, c.body) for c in changes] == [("candidate", "member"), ("admitted", "assembly")]
    assert changes[-1].reference == "AG du jour"


def test_leaving_is_dated_with_the_body_and_refused_twice(session, cols):
    m = mf.member(session, cols[0], shares=1, on=days.days(-100))
    with pytest.raises(DomainError, match="conseil ou l'assemblée"):
        registry.leave(session, None, m, status=MemberStatus.EXCLUDED, on=days.days(-1), body="member",
                       now=clock.now())
    with pytest.raises(DomainError, match="précéder l'entrée"):
        registry.leave(session, None, m, status=MemberStatus.RESIGNED, on=days.days(-200), body="member",
                       now=clock.now())
    registry.leave(session, None, m, status=MemberStatus.EXCLUDED, on=days.days(-1), body="assembly",
                   reference="AG extraordinaire", reason="Motif grave", now=clock.now())
    assert (m.status, m.left_on) == ("excluded", days.days(-1))
    change = session.execute(select(MemberStatusChange).where(MemberStatusChange.status == "excluded")).scalar_one()
    assert (change.body, change.reference, change.reason) == ("assembly", "AG extraordinaire", "Motif grave")
    with pytest.raises(DomainError, match="n'est plus sociétaire"):
        registry.leave(session, None, m, status=MemberStatus.RESIGNED, on=days.days(-1), body="member",
                       now=clock.now())
    assert capital.balance(session, m.id).shares == 1  # the shares stay until reimbursed


def test_college_moves_are_dated(session, cols):
    m = mf.member(session, cols[0], shares=1, on=days.days(-100))
    registry.move_college(session, None, m, cols[2].id, on=days.days(-10), reason="Fin du contrat", now=clock.now())
    with pytest.raises(DomainError, match="déjà dans le collège"):
        registry.move_college(session, None, m, cols[2].id, on=days.days(-5), now=clock.now())
    with pytest.raises(DomainError, match="précéder le dernier"):
        registry.move_college(session, None, m, cols[1].id, on=days.days(-20), now=clock.now())
    moves = registry.college_history(session, m.id)
    assert [(mv.from_college_id, mv.to_college_id, mv.on) for mv in moves] == [
        (None, cols[0].id, days.days(-100)), (cols[0].id, cols[2].id, days.days(-10))]
    assert m.college_id == cols[2].id
    assert session.execute(select(CollegeMove).where(CollegeMove.reason == "Fin du contrat")).scalar_one()


def test_link_a_user_account_once(session, cols):
    user = factories.user(session, roles=["mediator"])
    a = mf.member(session, cols[0], name="A", shares=1)
    b = mf.member(session, cols[1], name="B", shares=1)
    registry.link_user(session, None, a, user, now=clock.now())
    assert a.user_id == user.id and user.has_role("member")
    with pytest.raises(DomainError, match="déjà celui du sociétaire A"):
        registry.link_user(session, None, b, user, now=clock.now())
    assert registry.member_of_user(session, user) is a
    registry.link_user(session, None, a, None, now=clock.now())
    assert a.user_id is None


def test_contact_data_is_checked_and_audited(session, cols):
    m = mf.member(session, cols[0], shares=1)
    with pytest.raises(DomainError, match="Adresse électronique invalide"):
        registry.update_contact(session, None, m, registry.ContactDetails(email="pas-une-adresse"), now=clock.now())
    with pytest.raises(DomainError, match="organisme public"):
        registry.update_contact(session, None, m, registry.ContactDetails(public_body=True), now=clock.now())
    registry.update_contact(session, None, m, registry.ContactDetails(email="Claire@Example.org", city="Poitiers"),
                            now=clock.now())
    assert m.email == "claire@example.org"
    assert session.execute(select(AuditLog).where(AuditLog.summary.like("Coordonnées de Claire Martin%"))).scalar()


def test_search_by_name_number_college_and_status(session, cols):
    a = mf.member(session, cols[0], name="Alice Dupont", shares=1)
    mf.member(session, cols[1], name="Bruno Martin", shares=1)
    mf.member(session, cols[1], name="Chloé Candidate", shares=0)

    def names(*args, **kw):
        return [m.name for m in session.execute(registry.search_stmt(*args, **kw)).unique().scalars()]

    assert names("dupont") == ["Alice Dupont"]
    assert names(str(a.number)) == ["Alice Dupont"]
    assert names("n° 2") == ["Bruno Martin"]
    assert names(college_id=cols[1].id) == ["Bruno Martin", "Chloé Candidate"]
    assert names(status="candidate") == ["Chloé Candidate"]


def test_create_member_in_one_call(session, cols):
    details = registry.ContactDetails(name="Commune de Loudun", kind="organisation", email="mairie@loudun.example.org")
    m = registry.create_member(session, None, details, college_id=cols[1].id, shares=3, admitted_on=days.days(-1),
                               now=clock.now())
    assert (m.status, m.number, m.kind) == ("admitted", 1, "organisation")
    assert capital.balance(session, m.id).shares == 3
    with pytest.raises(DomainError, match="au moins une part"):
        registry.create_member(session, None, registry.ContactDetails(name="Sans part", kind="person"),
                               college_id=cols[0].id, shares=0, admitted_on=days.days(-1), now=clock.now())
