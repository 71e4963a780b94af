"""More data on top of the access test's world (tests/test_access.py ``_build``): ``n`` more of each kind of row the
main pages list, tied to the same users, organisation, convention, mission, assembly… so that each page shows more
rows (tests/core/test_query_counts.py: a page's query count must not grow with them).

``more`` returns the ids of a few richer objects, to measure the page of one object on a bigger one: an issued
invoice with several lines and payments, a quote with several lines, a training with more half-days and
attendees."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.models import Role, User
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.billing import factories as bf

LAST_MONTH = factories.LAST_MONTH_10TH


def more(session, data: dict, n: int = 5) -> dict:
    """Add ``n`` more of each kind to the world of ``data`` (``_build``'s result); returns ids of richer objects."""
    ids = data["ids"]
    users = {role: session.execute(select(User).where(User.email == user.email)).scalar_one()
             for role, user in data["users"].items()}
    own_org = session.get(Organisation, ids["own_org"])
    extra = {}
    _missions(session, users, ids, own_org, n)
    _activities(session, users, ids, n)
    extra.update(_billing(session, users, ids, own_org, n))
    _members(session, users, ids, n)
    _inventory(session, users, ids, n)
    extra.update(_training(session, users, ids, n))
    _dashboards(session, users, ids, own_org, n)
    session.flush()
    return extra


def _missions(session, users, ids, own_org, n):
    """The own organisation: places, conventions and missions (every other one under the own convention, at the own
    place), each with a session tomorrow assigned to the mediator, an open one and a held one last month (with its
    hours); the own mission: more sessions; other organisations with their convention, place, mission and a held
    session of another mediator (with an activity and last month's timesheet, submitted); service requests."""
    from coopnum.missions.models import Mission, ServiceRequest
    from coopnum.timesheets.models import Timesheet, TimesheetStatus

    mediator = users["mediator"]
    own_mission = session.get(Mission, ids["own_mission"])
    own_conv = own_mission.convention
    for i in range(n):
        place = factories.place(session, organisation=own_org)
        conv = factories.convention(session, organisation=own_org)
        mission = factories.mission(session, convention=own_conv if i % 2 else conv,
                                    place=own_mission.place if i % 2 else place, service_id=ids["service"])
        tomorrow = days.days(1)
        assigned = factories.mission_session(session, mission=mission, start=days.at(tomorrow, 13 + i),
                                             end=days.at(tomorrow, 13 + i, 50))
        factories.assignment(session, mission_session=assigned, user=mediator)
        factories.mission_session(session, mission=mission, start=days.at(days.days(2), 14),
                                  end=days.at(days.days(2), 16))
        bf.held_session(session, mission=mission, start=days.at(LAST_MONTH + timedelta(days=i + 1), 14),
                        minutes=120, mediator=mediator)
        for week in (1, 2):
            factories.mission_session(session, mission=own_mission, start=days.at(days.days(7 * week + 2 + i), 9),
                                      end=days.at(days.days(7 * week + 2 + i), 12))
        other = factories.organisation(session)
        other_place = factories.place(session, organisation=other)
        other_conv = factories.convention(session, organisation=other)
        other_mission = factories.mission(session, convention=other_conv, place=other_place)
        colleague = factories.user(session, roles=[Role.MEDIATOR])
        held = bf.held_session(session, mission=other_mission, start=days.at(LAST_MONTH + timedelta(days=i), 9),
                               mediator=colleague)
        factories.activity(session, mediator=colleague, mission_session=held)
        session.add(Timesheet(user_id=colleague.id, month=days.month_start(-1), status=TimesheetStatus.SUBMITTED,
                              submitted_at=days.NOW))
        session.add(ServiceRequest(organisation_id=own_org.id, requested_by_id=users["authority"].id,
                                   service_id=ids["service"], description=f"Demande {i}"))
    session.flush()


def _activities(session, users, ids, n):
    """The mediator's activities on the own convention last month (individual, with a followed beneficiary; and
    collective), extra hours."""
    from coopnum.activities.models import ActivityBeneficiary
    from coopnum.organisations.models import Convention, Place

    mediator = users["mediator"]
    conv, place = session.get(Convention, ids["own_convention"]), session.get(Place, ids["own_place"])
    for i in range(n):
        day = LAST_MONTH + timedelta(days=i % 3)
        person = factories.beneficiary(session, mediator=mediator, first_name=f"Prénom{i}", last_name=f"Nom{i}")
        alone = factories.activity(session, mediator=mediator, convention=conv, place=place, day=day,
                                   thematiques=["Email", "Smartphone"])
        session.add(ActivityBeneficiary(activity_id=alone.id, beneficiary_id=person.id))
        factories.activity(session, mediator=mediator, convention=conv, place=place, day=day, kind="Collectif",
                           participants=4 + i, workshop_title=f"Atelier {i}", duration_minutes=90)
        factories.time_entry(session, user=mediator, day=LAST_MONTH + timedelta(days=i + 3), minutes=30 + i)
        factories.activity(session, mediator=mediator, convention=conv, place=place, day=days.month_start(-11 + i),
                           thematiques=["Démarches en ligne"])
    session.flush()


def _billing(session, users, ids, own_org, n) -> dict:
    """Issued invoices of the own organisation (two lines, a payment each) and of others, drafts, quotes with lines,
    a credit note; an issued invoice with ``n`` + 1 lines and ``n`` payments and a quote with ``n`` + 1 lines (their
    pages are measured)."""
    from coopnum.billing.models import Quote, QuoteLine
    from coopnum.billing.services import credit_notes, payments

    coordinator = users["coordinator"]
    lines = [("Permanence numérique", Decimal("6"), 4500), ("Atelier collectif", Decimal("2"), 30000)]
    for i in range(n):
        invoice = bf.issued_invoice(session, coordinator, organisation=own_org, lines=lines)
        payments.record(session, coordinator, invoice, amount_cents=5000 + i, received_on=days.TODAY,
                        method="transfer", reference=f"VIR-{i}", now=days.NOW)
        bf.issued_invoice(session, coordinator, lines=lines)
        bf.draft_invoice(session, coordinator, lines=lines)
        quote = Quote(organisation_id=own_org.id, title=f"Devis {i}")
        for j in range(2):
            quote.lines.append(QuoteLine(description=f"Atelier {j}", quantity=2, unit="workshop",
                                         unit_price_cents=30000, total_excl_cents=60000))
        session.add(quote)
    big_quote = Quote(organisation_id=own_org.id, title="Devis détaillé")
    for j in range(n + 1):
        big_quote.lines.append(QuoteLine(description=f"Prestation {j}", quantity=1, unit="hour",
                                         unit_price_cents=4500, total_excl_cents=4500))
    session.add(big_quote)
    credited = bf.issued_invoice(session, coordinator, organisation=own_org)
    credit_notes.create_credit_note(session, coordinator, credited, reason="Doublon", now=bf.NOW,
                                    render=bf.fake_render)
    big = bf.issued_invoice(session, coordinator, organisation=own_org,
                            lines=[(f"Prestation {k}", Decimal("1"), 10000 + k) for k in range(n + 1)])
    for k in range(n):
        payments.record(session, coordinator, big, amount_cents=1000 + k, received_on=days.TODAY,
                        method="cheque" if k % 2 else "transfer", reference=f"P-{k}", now=days.NOW)
    session.flush()
    return {"issued_invoice": big.id, "quote": big_quote.id}


def _members(session, users, ids, n):
    """Members of every college with capital operations; the member user's own member: more subscriptions and
    payments; candidates; the assembly: more documents, attendances, and open resolutions with ballots; more
    convened assemblies; held assemblies with their closed resolutions (the register of deliberations)."""
    from coopnum.members.models import Assembly, College, Member, Resolution
    from coopnum.members.services import assemblies, capital
    from tests.members.factories_registry import member

    now = clock.now()
    colleges = session.execute(select(College).order_by(College.id)).scalars().all()
    own = session.get(Member, ids["own_member"])
    assembly = session.get(Assembly, ids["assembly"])
    resolutions = [session.get(Resolution, ids["resolution"])]
    voters = []
    for i in range(n):
        college = colleges[i % len(colleges)]
        someone = member(session, college, name=f"Sociétaire {i:02d}", shares=2, paid_cents=5000)
        voters.append(someone)
        capital.pay(session, None, someone, 5000, on=days.days(-300), now=now)
        capital.subscribe(session, None, someone, 1, on=days.days(-100), paid_cents=5000, now=now)
        capital.subscribe(session, None, own, 1, on=days.days(-200 + i), paid_cents=5000, now=now)
        member(session, college, name=f"Candidat {i:02d}", shares=0)
        assemblies.add_document(session, None, assembly, title=f"Annexe {i}", filename=f"annexe-{i}.pdf",
                                content=b"%PDF-1.4 annexe", now=now)
        resolution = assemblies.add_resolution(session, None, assembly, title=f"Résolution {i}", now=now)
        assemblies.open_vote(session, None, resolution, now=now, closes_at=now + timedelta(days=19))
        resolutions.append(resolution)
        assemblies.record_attendance(session, None, assembly, someone, mode="present", now=now)
        other = assemblies.create_assembly(session, None, kind="AGE", convocation=1,
                                           starts_at=now + timedelta(days=30 + i), place=f"Salle {i}",
                                           convened_on=days.TODAY, now=now)
        assemblies.add_resolution(session, None, other, title="Modification des statuts", now=now)
        _held_assembly(session, i, now)
    for k, resolution in enumerate(resolutions):
        for j, someone in enumerate(voters):
            assemblies.cast_ballot(session, None, resolution, someone, ("for", "against", "abstain")[(j + k) % 3],
                                   now=now)
    session.flush()


def _held_assembly(session, i: int, now):
    """An assembly held a few months ago, with two closed resolutions."""
    from coopnum.members.services import assemblies

    held = assemblies.create_assembly(session, None, kind="AGO", convocation=1,
                                      starts_at=now - timedelta(days=60 + 30 * i), place=f"Salle des fêtes {i}",
                                      convened_on=days.days(-90 - 30 * i), now=now - timedelta(days=90 + 30 * i))
    for title in ("Approbation des comptes", "Affectation du résultat"):
        resolution = assemblies.add_resolution(session, None, held, title=title, now=now)
        assemblies.open_vote(session, None, resolution, now=held.starts_at)
        assemblies.close_vote(session, None, resolution, now=held.starts_at + timedelta(hours=1))
    assemblies.close_assembly(session, None, held, now=held.starts_at + timedelta(hours=2))


def _inventory(session, users, ids, n):
    """Tablets at the own place, each with a returned loan and a reservation of the mediator tomorrow afternoon, in
    a kit; laptops lent to the mediator (some overdue); projectors in maintenance."""
    from coopnum.inventory.models import BorrowerKind, MaintenanceCase
    from tests.inventory import factories_inventory as fi

    mediator, place_id = users["mediator"], ids["own_place"]
    for i in range(n):
        tablet = fi.asset(session, place_id=place_id, model=f"Tablette {i}")
        fi.kit(session, name=f"Kit {i}", assets=[tablet], place_id=place_id)
        fi.loan(session, assets=[tablet], kind=BorrowerKind.PERSON, user=mediator,
                checked_out_at=days.NOW - timedelta(days=30 + i), due_at=days.NOW - timedelta(days=25),
                returned_at=days.NOW - timedelta(days=26), borrower_name=f"Usager {i}",
                borrower_phone="06 00 00 00 00", borrower_commune="Poitiers")
        start = days.at(days.days(1), 14)
        fi.reservation(session, user=mediator, assets=[tablet], starts_at=start, ends_at=start + timedelta(hours=2))
        laptop = fi.asset(session, place_id=place_id, category="laptop", model=f"Portable {i}")
        fi.loan(session, assets=[laptop], user=mediator, checked_out_at=days.NOW - timedelta(days=1 + i),
                due_at=days.NOW + timedelta(days=5 - 2 * i))
        broken = fi.asset(session, place_id=place_id, category="projector", model=f"Projecteur {i}",
                          status="maintenance")
        session.add(MaintenanceCase(asset_id=broken.id, opened_on=days.TODAY - timedelta(days=i + 1),
                                    issue=f"Panne {i}", opened_by_id=users["coordinator"].id))
    session.flush()


def _training(session, users, ids, n) -> dict:
    """External people with levels and a certification, trainings with trainers and trainees, and a training with
    ``n`` half-days and ``n`` trainees (its page is measured)."""
    from coopnum.training.models import Certification, CertificationKind, Person
    from tests.training import factories_training as ft

    skills = list(ft.skills(session).values())
    trainer = session.get(Person, ids["mediator_person"])
    member = session.get(Person, ids["member_person"])
    people = []
    for i in range(n):
        person = ft.person(session, full_name=f"Stagiaire {i:02d}", organisation="CCAS")
        people.append(person)
        session.add(Certification(person_id=person.id, kind=CertificationKind.PIX, name=f"Pix {i}",
                                  obtained_on=days.TODAY - timedelta(days=300), expires_on=days.days(10 + 40 * i)))
        for skill in skills[i:i + 3]:
            ft.assess(session, person, skill, 1 + i % 3, by=users["coordinator"])
        ft.assess(session, trainer, skills[i + 3], 3, by=users["coordinator"])
        ft.training(session, title=f"Formation {i}", day=days.days(10 + i), trainers=[trainer],
                    trainees=[member, person], skills=skills[i:i + 2], place_id=ids["own_place"])
    big = ft.training(session, title="Formation longue", day=days.days(20), trainers=[trainer],
                      trainees=[member, *people], skills=skills[:n], place_id=ids["own_place"])
    from coopnum.training.models import HalfDay, TrainingHalfDay

    for k in range(1, n):
        day = days.days(20 + k)
        big.half_days.append(TrainingHalfDay(day=day, period=HalfDay.MORNING, starts_at=days.at(day, 9),
                                             ends_at=days.at(day, 12, 30)))
    session.flush()
    return {"training": big.id}


def _dashboards(session, users, ids, own_org, n):
    """What the dashboards' panels show and the lists above leave out, so that every panel of every role's
    dashboard has rows on both sizes: the coordinator and the mediator are members too (as in the demo), the
    member holds a proxy; a training of the day (to sign now, its afternoon to come) with the coordinator, the
    administrator, the mediator and the member; certifications of the mediator and of the member expiring soon;
    overdue invoices due for a reminder that waits for the ECB rate of its semester (one semester each, none
    recorded); requests in review; started sessions of the mediator still to confirm, hours of this month."""
    from coopnum.billing import legal
    from coopnum.members.models import Assembly, AttendanceMode, College, Member
    from coopnum.members.services import assemblies
    from coopnum.missions.models import Mission, RequestStatus, ServiceRequest
    from coopnum.training.models import Certification, CertificationKind, Person
    from tests.members.factories_registry import member
    from tests.training import factories_training as ft

    college = session.execute(select(College).order_by(College.id)).scalars().first()
    for role in ("coordinator", "mediator"):
        member(session, college, name=f"Sociétaire {role}", shares=1, user=users[role])
    holder = session.get(Member, ids["own_member"])
    represented = member(session, college, name="Sociétaire représenté", shares=1)
    assemblies.record_attendance(session, None, session.get(Assembly, ids["assembly"]), represented,
                                 mode=AttendanceMode.REPRESENTED, proxy_holder=holder, now=clock.now())
    people = [ft.person(session, user=users[role]) for role in ("coordinator", "admin")]
    mediator, trainee = session.get(Person, ids["mediator_person"]), session.get(Person, ids["member_person"])
    semester = legal.semester_start(days.TODAY)
    own_mission = session.get(Mission, ids["own_mission"])
    for i in range(n):
        ft.training(session, title=f"Formation du jour {i}", day=days.TODAY, trainers=[mediator],
                    trainees=[*people, trainee], place_id=ids["own_place"])
        for person in (mediator, trainee):
            session.add(Certification(person_id=person.id, kind=CertificationKind.PIX, name=f"Pix {person.id}-{i}",
                                      obtained_on=days.TODAY - timedelta(days=700), expires_on=days.days(15 + i)))
        semester = legal.semester_start(semester - timedelta(days=1))
        bf.issued_invoice(session, users["coordinator"], organisation=own_org,  # due 30 days later, same semester
                          now=days.at(semester + timedelta(days=10), 12))
        session.add(ServiceRequest(organisation_id=own_org.id, requested_by_id=users["authority"].id,
                                   service_id=ids["service"], description=f"Demande à l'étude {i}",
                                   status=RequestStatus.IN_REVIEW))
        started = factories.mission_session(session, mission=own_mission,
                                            start=days.at(LAST_MONTH + timedelta(days=10 + i), 14),
                                            end=days.at(LAST_MONTH + timedelta(days=10 + i), 16))
        factories.assignment(session, mission_session=started, user=users["mediator"])
        factories.time_entry(session, user=users["mediator"], day=days.TODAY, minutes=45 + i)
    session.flush()
