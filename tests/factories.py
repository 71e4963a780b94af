"""Factories: plain functions that add objects to the session (flush, no commit)."""

import itertools
from functools import cache

from stdnum import luhn

from coopnum.core.clock import paris_today
from coopnum.core.models import Role, User
from coopnum.organisations.models import Organisation, OrganisationKind, Place
from tests import days

_seq = itertools.count(1)
LAST_MONTH_10TH = days.month_start(-1).replace(day=10)  # a past day of a month still open


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


# --- missions ---------------------------------------------------------------------------------------------------

def service(session, **kw):
    from coopnum.organisations.models import Service

    n = next(_seq)
    s = Service(code=kw.pop("code", f"SRV-{n}"), name=kw.pop("name", f"Permanence numérique {n}"),
                unit_price_cents=kw.pop("unit_price_cents", 4500), **kw)
    session.add(s)
    session.flush()
    return s


def convention(session, *, organisation, **kw):
    from decimal import Decimal

    from coopnum.organisations.models import Convention, ConventionStatus

    n = next(_seq)
    c = Convention(organisation_id=organisation.id, reference=kw.pop("reference", f"CONV-TEST-{n}"),
                   title=kw.pop("title", f"Convention {n}"), start_date=kw.pop("start_date", days.month_start(-12)),
                   end_date=kw.pop("end_date", days.month_end(11)), status=kw.pop("status", ConventionStatus.SIGNED),
                   unit_price_cents=kw.pop("unit_price_cents", 4500),
                   contracted_volume=kw.pop("contracted_volume", Decimal("300")),
                   chorus_buyer_siret=organisation.siret, **kw)
    session.add(c)
    session.flush()
    return c


def mission(session, *, convention, place, **kw):
    from datetime import time

    from coopnum.missions.models import Mission

    n = next(_seq)
    m = Mission(convention_id=convention.id, place_id=place.id, title=kw.pop("title", f"Permanence {n}"),
                rrule=kw.pop("rrule", "FREQ=WEEKLY;BYDAY=TU"), first_date=kw.pop("first_date", days.weekday_on_or_after(days.month_start(-1), days.TUESDAY)),
                start_time=kw.pop("start_time", time(9, 0)), end_time=kw.pop("end_time", time(12, 0)), **kw)
    session.add(m)
    session.flush()
    return m


def mission_session(session, *, mission, start, end, **kw):
    from coopnum.missions.models import MissionSession

    s = MissionSession(mission_id=mission.id, start=start, end=end, **kw)
    session.add(s)
    session.flush()
    return s


def assignment(session, *, mission_session, user):
    from coopnum.missions.models import Assignment

    a = Assignment(session_id=mission_session.id, user_id=user.id)
    session.add(a)
    session.flush()
    return a


# --- hours and activity reports ----------------------------------------------------------------------------------

def activity(session, *, mediator, day=None, convention=None, mission_session=None, place=None, **kw):
    """An activity report (CRA); an individual accompaniment at a place of activity by default (on the 10th of
    last month)."""
    from coopnum.activities.models import Activity

    if mission_session is not None:
        day = day or paris_today(mission_session.start)
        convention_id = mission_session.mission.convention_id
        place_id = mission_session.mission.place_id
    else:
        convention_id = convention.id if convention else None
        place_id = place.id if place else None
    a = Activity(mediator_id=mediator.id, session_id=mission_session.id if mission_session else None,
                 convention_id=kw.pop("convention_id", convention_id), place_id=kw.pop("place_id", place_id),
                 date=day or LAST_MONTH_10TH, kind=kw.pop("kind", "Individuel"),
                 duration_minutes=kw.pop("duration_minutes", 30), place_type=kw.pop("place_type", "LieuActivite"),
                 thematiques=kw.pop("thematiques", ["Email"]), materiel=kw.pop("materiel", ["Ordinateur"]),
                 participants=kw.pop("participants", 1), **kw)
    session.add(a)
    session.flush()
    return a


def beneficiary(session, *, mediator, first_name="Jeanne", last_name="Durand", **kw):
    from coopnum.activities.models import Beneficiary
    from coopnum.activities.services.beneficiaries import name_key

    b = Beneficiary(mediator_id=mediator.id, first_name=first_name, last_name=last_name,
                    name_key=kw.pop("name_key", name_key(first_name, last_name)), **kw)
    session.add(b)
    session.flush()
    return b


def time_entry(session, *, user, day=None, minutes=60, category="preparation", mission_session=None, **kw):
    from coopnum.timesheets.models import TimeEntry

    if mission_session is not None:
        category = "session"
        day = day or paris_today(mission_session.start)
    e = TimeEntry(user_id=user.id, day=day or LAST_MONTH_10TH, minutes=minutes, category=category,
                  session_id=mission_session.id if mission_session else None, **kw)
    session.add(e)
    session.flush()
    return e


BILLING_IDS = frozenset({"draft_invoice", "draft_line", "issued_invoice", "credited_invoice", "credit_note",
                         "other_invoice", "payment", "quote", "aptic_batch", "aptic_cheque"})


def world(session, users, *, billing: bool = True) -> dict:
    """One object of each kind of the missions domain, tied to the `users` fixture; returns their ids.

    The authority user's organisation ("own") has a convention, a place, a weekly mission with two sessions
    (the first assigned to the mediator, the second open), a calendar feed per kind and a request; a second
    organisation ("other") has its own convention, place, mission and session, which the authority must not see."""
    from datetime import timedelta

    from coopnum.missions.models import Absence, CalendarFeed, FeedKind, ServiceRequest
    from coopnum.organisations.models import Contact

    own_org = session.get(Organisation, users["authority"].organisation_id)
    other_org = organisation(session, name="Commune Voisine")
    srv = service(session)
    own_conv = convention(session, organisation=own_org)
    other_conv = convention(session, organisation=other_org)
    own_place = place(session, organisation=own_org, name="Médiathèque de Testville")
    other_place = place(session, organisation=other_org, name="Mairie Voisine")
    own_mission = mission(session, convention=own_conv, place=own_place, service_id=srv.id)
    other_mission = mission(session, convention=other_conv, place=other_place)
    s1 = mission_session(session, mission=own_mission, start=days.at(days.days(1), 9),
                         end=days.at(days.days(1), 12))
    s2 = mission_session(session, mission=own_mission, start=days.at(days.days(8), 9),
                         end=days.at(days.days(8), 12))
    s3 = mission_session(session, mission=other_mission, start=days.at(days.days(2), 9),
                         end=days.at(days.days(2), 12))
    assignment(session, mission_session=s1, user=users["mediator"])
    absence = Absence(user_id=users["mediator"].id, start=days.at(days.days(27), 0),
                      end=days.at(days.days(34), 0))
    session.add(absence)
    feeds = {}
    for kind, target in ((FeedKind.MEDIATOR, users["mediator"].id), (FeedKind.PLACE, own_place.id),
                         (FeedKind.ORGANISATION, own_org.id)):
        feed = CalendarFeed(kind=kind, target_id=target, token=f"feed-{kind}-{next(_seq)}")
        session.add(feed)
        feeds[kind] = feed
    own_request = ServiceRequest(organisation_id=own_org.id, requested_by_id=users["authority"].id,
                                 service_id=srv.id, description="Ateliers pour seniors")
    other_request = ServiceRequest(organisation_id=other_org.id, service_id=srv.id, description="Permanence")
    session.add_all([own_request, other_request])
    # Hours and activity reports: a past session of the mediator, not yet confirmed; an activity and a followed
    # beneficiary of the mediator; an extra-hours entry; the mediator's open timesheet of last month (the world's
    # work happens last month, wholly past whatever the day); a share link.
    from coopnum.reports.models import ReportShare
    from coopnum.timesheets.models import Timesheet

    past = mission_session(session, mission=own_mission, start=days.at(LAST_MONTH_10TH + timedelta(days=7), 9),
                           end=days.at(LAST_MONTH_10TH + timedelta(days=7), 12))
    assignment(session, mission_session=past, user=users["mediator"])
    own_beneficiary = beneficiary(session, mediator=users["mediator"])
    own_activity = activity(session, mediator=users["mediator"], convention=own_conv, place=own_place,
                            day=LAST_MONTH_10TH)
    other_mediator = user(session, roles=[Role.MEDIATOR], full_name="Autre Médiatrice")
    other_activity = activity(session, mediator=other_mediator, convention=other_conv, place=other_place,
                              day=LAST_MONTH_10TH + timedelta(days=2))
    extra_entry = time_entry(session, user=users["mediator"], day=LAST_MONTH_10TH + timedelta(days=2), minutes=90)
    timesheet = Timesheet(user_id=users["mediator"].id, month=days.month_start(-1))
    share = ReportShare(convention_id=own_conv.id, period_start=days.year_start(), period_end=days.year_end(),
                        token=f"share-{next(_seq)}", expires_at=days.NOW + timedelta(days=30))
    from coopnum.core.models import ExportJob

    export_job = ExportJob(user_id=users["mediator"].id, kind="activities", format="csv", params={"filters": {}})
    session.add_all([timesheet, share, export_job])
    own_contact = Contact(organisation_id=own_org.id, first_name="Claire", last_name="Interlocutrice",
                          email="claire.interlocutrice@testville.example.org")
    session.add(own_contact)
    session.flush()
    billing_ids = _billing_world(session, users, own_org, other_org) if billing else {}
    return {
        **billing_ids,
        "own_org": own_org.id, "other_org": other_org.id, "service": srv.id,
        "own_convention": own_conv.id, "other_convention": other_conv.id,
        "own_place": own_place.id, "other_place": other_place.id,
        "own_mission": own_mission.id, "other_mission": other_mission.id,
        "assigned_session": s1.id, "open_session": s2.id, "other_session": s3.id,
        "absence": absence.id, "own_contact": own_contact.id,
        "mediator_feed": feeds[FeedKind.MEDIATOR].token, "place_feed": feeds[FeedKind.PLACE].token,
        "organisation_feed": feeds[FeedKind.ORGANISATION].token,
        "own_request": own_request.id, "other_request": other_request.id,
        "mediator": users["mediator"].id, "member": users["member"].id,
        "past_session": past.id, "own_activity": own_activity.id, "other_activity": other_activity.id,
        "own_beneficiary": own_beneficiary.id, "extra_entry": extra_entry.id, "timesheet": timesheet.id,
        "other_mediator": other_mediator.id, "share_token": share.token,
        "export_job": export_job.id,
    }


def _billing_world(session, users, own_org, other_org) -> dict:
    """Billing objects: a draft with one line, an issued invoice with a partial payment, a credit note on a second
    invoice, another organisation's issued invoice, a draft quote, an open APTIC batch."""
    from coopnum.billing.models import ApticBatch, ApticCheque, Payment, Quote, QuoteLine
    from coopnum.billing.services import credit_notes
    from tests.billing import factories as bf

    coordinator = users["coordinator"]
    bf.company(session)
    draft = bf.draft_invoice(session, coordinator, organisation=own_org)
    issued = bf.issued_invoice(session, coordinator, organisation=own_org)
    credited = bf.issued_invoice(session, coordinator, organisation=own_org)
    note = credit_notes.create_credit_note(session, coordinator, credited, reason="Erreur de tarif", now=bf.NOW,
                                       render=bf.fake_render)
    other = bf.issued_invoice(session, coordinator, organisation=other_org)
    payment = Payment(invoice_id=issued.id, received_on=days.TODAY, amount_cents=10000, method="transfer",
                      reference="VIR-TEST")
    issued.paid_cents += 10000
    quote = Quote(organisation_id=own_org.id, title=f"Ateliers seniors {days.TODAY.year + 1}")
    quote.lines.append(QuoteLine(description="Atelier collectif", quantity=4, unit="workshop",
                                 unit_price_cents=30000, total_excl_cents=120000))
    batch = ApticBatch(reference="APTIC-TEST-001")
    cheque = ApticCheque(number="AP-TEST-1", received_on=days.TODAY)
    session.add_all([payment, quote, batch, cheque])
    session.flush()
    return {"draft_invoice": draft.id, "draft_line": draft.lines[0].id, "issued_invoice": issued.id,
            "credited_invoice": credited.id, "credit_note": note.id, "other_invoice": other.id,
            "payment": payment.id, "quote": quote.id, "aptic_batch": batch.id, "aptic_cheque": cheque.id}
