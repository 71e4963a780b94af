"""The pages of reservations and loans: reserving from a session page, the conflict named on the form, French
form errors, who may cancel, the mediator reserving for itself only, the availability search, the calendars, the
checkout from a reservation, the return, the extension, the loss, the borrower's data shown to whom it may be."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core import clock
from coopnum.inventory.models import (
    Asset,
    AssetCategory,
    AssetStatus,
    BorrowerKind,
    Loan,
    LoanStatus,
    MaintenanceCase,
    Reservation,
    ReservationStatus,
)
from coopnum.inventory.services import bookings as svc
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as fi

DAY = days.days(5)
START, END = days.at(DAY, 14), days.at(DAY, 17)


@pytest.fixture
def workshop(session, users):
    org = factories.organisation(session)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=factories.convention(session, organisation=org), place=place,
                                title="Atelier tablettes")
    ms = factories.mission_session(session, mission=mission, start=START, end=END)
    factories.assignment(session, mission_session=ms, user=users["mediator"])
    session.commit()
    return ms


def _local(moment) -> str:
    return moment.astimezone(clock.PARIS).strftime("%Y-%m-%dT%H:%M")


def test_reserve_two_tablets_from_the_session_page(client, session, users, workshop):
    t1, t2 = fi.asset(session, tag="TAB-0001"), fi.asset(session, tag="TAB-0002")
    fi.asset(session, tag="TAB-0003")
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/sessions/{workshop.id}"))
    assert "Aucun matériel réservé pour cette séance." in page
    link = f"/inventory/reservations/new?session_id={workshop.id}"
    assert link in page and "Réserver du matériel pour cette séance" in page
    form = text_of(client.get(link))
    assert f'value="{_local(START)}"' in form and "Atelier tablettes" in form
    response = client.post(link, data={"session_id": workshop.id, "starts_at": _local(START),
                                       "ends_at": _local(END), "assets": [t1.id, t2.id]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/missions/sessions/{workshop.id}")
    r = session.execute(select(Reservation)).scalar_one()
    assert (r.user_id, r.session_id, r.mission_id, r.starts_at, r.ends_at) == (
        users["mediator"].id, workshop.id, workshop.mission_id, START, END)
    page = text_of(client.get(f"/missions/sessions/{workshop.id}"))
    assert "TAB-0001, TAB-0002" in page and "réservé par" in page


def test_conflict_is_named_on_the_form(client, session, users, workshop):
    claire = factories.user(session, roles=["mediator"], full_name="Claire Martin")
    tab = fi.asset(session, tag="TAB-0009")
    svc.reserve(session, actor=claire, now=days.NOW, user_id=claire.id, starts_at=START - timedelta(hours=1),
                ends_at=START + timedelta(hours=1), asset_ids=[tab.id])
    session.commit()
    login(client, users["mediator"])
    response = client.post(f"/inventory/reservations/new?session_id={workshop.id}", data={
        "session_id": workshop.id, "starts_at": _local(START), "ends_at": _local(END), "assets": [tab.id]})
    assert response.status_code == 400
    page = text_of(response)
    assert "TAB-0009 est déjà réservé par Claire Martin du " in page
    assert 'id="assets-error"' in response.get_data(as_text=True)
    assert session.execute(select(Reservation).where(Reservation.user_id == users["mediator"].id)).first() is None


def test_form_errors_are_french(client, session, users):
    tab = fi.asset(session)
    session.commit()
    login(client, users["mediator"])
    response = client.post("/inventory/reservations/new", data={
        "starts_at": _local(END), "ends_at": _local(START), "assets": [tab.id]})
    assert response.status_code == 400 and "La fin doit être après le début." in text_of(response)
    response = client.post("/inventory/reservations/new", data={"starts_at": "pas une date", "ends_at": "",
                                                                "assets": [tab.id]})
    assert response.status_code == 400
    assert "Not a valid" not in text_of(response)
    response = client.post("/inventory/reservations/new", data={"starts_at": _local(START), "ends_at": _local(END)})
    assert response.status_code == 400 and "Choisissez au moins un appareil ou un kit." in text_of(response)


def test_mediator_reserves_for_itself_only(client, session, users):
    other = factories.user(session, roles=["mediator"])
    tab = fi.asset(session)
    session.commit()
    login(client, users["mediator"])
    data = {"starts_at": _local(START), "ends_at": _local(END), "assets": [tab.id]}
    assert client.post("/inventory/reservations/new", data={**data, "user_id": other.id}).status_code == 403
    assert session.execute(select(Reservation)).first() is None
    assert client.post("/inventory/reservations/new", data=data).status_code == 302
    assert session.execute(select(Reservation.user_id)).scalar_one() == users["mediator"].id


def test_staff_reserve_for_a_mediator(client, session, users):
    tab = fi.asset(session)
    session.commit()
    login(client, users["coordinator"])
    response = client.post("/inventory/reservations/new", data={
        "user_id": users["mediator"].id, "starts_at": _local(START), "ends_at": _local(END), "assets": [tab.id]})
    assert response.status_code == 302
    assert session.execute(select(Reservation.user_id)).scalar_one() == users["mediator"].id


def test_mediator_cannot_cancel_anothers_reservation(client, session, users):
    other = factories.user(session, roles=["mediator"])
    tab, tab2 = fi.asset(session), fi.asset(session)
    theirs = svc.reserve(session, actor=other, now=days.NOW, user_id=other.id, starts_at=START, ends_at=END,
                         asset_ids=[tab.id])
    mine = svc.reserve(session, actor=users["mediator"], now=days.NOW, user_id=users["mediator"].id,
                       starts_at=START, ends_at=END, asset_ids=[tab2.id])
    session.commit()
    login(client, users["mediator"])
    assert client.post(f"/inventory/reservations/{theirs.id}/cancel").status_code == 403
    page = text_of(client.get(f"/inventory/reservations/{theirs.id}"))
    assert "Annuler la réservation" not in page and "Transformer en prêt" not in page
    assert client.post(f"/inventory/reservations/{mine.id}/cancel").status_code == 302
    session.expire_all()
    assert session.get(Reservation, theirs.id).status == ReservationStatus.ACTIVE
    assert session.get(Reservation, mine.id).status == ReservationStatus.CANCELLED
    assert client.post(f"/inventory/reservations/{mine.id}/checkout").status_code == 403


def test_change_reservation_period(client, session, users):
    tab = fi.asset(session)
    mine = svc.reserve(session, actor=users["mediator"], now=days.NOW, user_id=users["mediator"].id,
                       starts_at=START, ends_at=END, asset_ids=[tab.id])
    session.commit()
    login(client, users["mediator"])
    later = END + timedelta(hours=1)
    response = client.post(f"/inventory/reservations/{mine.id}/change", data={
        "change-starts_at": _local(START), "change-ends_at": _local(later)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Reservation, mine.id).ends_at == later


def test_coordinator_turns_a_reservation_into_a_loan_then_checks_it_in(client, session, users):
    t1, t2 = fi.asset(session, tag="TAB-0021"), fi.asset(session, tag="TAB-0022")
    r = svc.reserve(session, actor=users["mediator"], now=days.NOW, user_id=users["mediator"].id,
                    starts_at=days.NOW, ends_at=END, asset_ids=[t1.id, t2.id])
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/inventory/reservations/{r.id}"))
    assert "Transformer en prêt" in page and "data-signature" in page
    response = client.post(f"/inventory/reservations/{r.id}/checkout", data={
        "checkout-due_at": _local(END), "checkout-condition_out": "good", "checkout-signature": ""})
    assert response.status_code == 302
    loan = session.execute(select(Loan)).scalar_one()
    assert response.headers["Location"].endswith(f"/inventory/loans/{loan.id}")
    assert loan.user_id == users["mediator"].id and loan.status == LoanStatus.OPEN
    assert session.get(Reservation, r.id).status == ReservationStatus.CONVERTED
    page = text_of(client.get(f"/inventory/loans/{loan.id}"))
    assert "TAB-0021" in page and "Enregistrer le retour" in page
    response = client.post(f"/inventory/loans/{loan.id}/return", data={
        "checkin-condition_in": "damaged", "checkin-damaged": [t2.id], "checkin-notes": "Écran fêlé"})
    assert response.status_code == 302
    session.expire_all()
    loan = session.get(Loan, loan.id)
    assert loan.status == LoanStatus.RETURNED and loan.condition_in == "damaged"
    assert session.get(Asset, t1.id).status == AssetStatus.AVAILABLE
    assert session.get(Asset, t2.id).status == AssetStatus.MAINTENANCE
    assert session.execute(select(MaintenanceCase.asset_id)).scalar_one() == t2.id


def test_checkout_form_person_errors_and_signature(client, session, users):
    import base64

    tab = fi.asset(session, tag="TAB-0031")
    session.commit()
    login(client, users["coordinator"])
    data = {"borrower_kind": "person", "borrower_name": "Jeanne Usagère", "borrower_commune": "Loudun",
            "assets": [tab.id], "due_at": _local(days.NOW + timedelta(days=7)), "condition_out": "good"}
    response = client.post("/inventory/loans/new", data=data)
    assert response.status_code == 400 and "Indiquez le téléphone de la personne." in text_of(response)
    png = svc.PNG_MAGIC + bytes(80)
    response = client.post("/inventory/loans/new", data={
        **data, "borrower_phone": "06 11 22 33 44",
        "signature": "data:image/png;base64," + base64.b64encode(png).decode()})
    assert response.status_code == 302
    loan = session.execute(select(Loan)).scalar_one()
    assert loan.borrower_kind == BorrowerKind.PERSON and loan.user_id == users["coordinator"].id
    assert loan.signature_png == png
    signature = client.get(f"/inventory/loans/{loan.id}/signature.png")
    assert signature.status_code == 200 and signature.data == png and signature.mimetype == "image/png"
    # the loan's personal data: not for a mediator who is not responsible for it
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get(f"/inventory/loans/{loan.id}").status_code == 403
    assert "Jeanne" not in text_of(client.get("/inventory/loans?status=all"))


def test_extend_and_declare_lost_pages(client, session, users):
    tab = fi.asset(session, tag="TAB-0041")
    loan = svc.checkout(session, actor=users["coordinator"], now=days.NOW, due_at=days.NOW + timedelta(days=2),
                        asset_ids=[tab.id], borrower=svc.Borrower(user_id=users["mediator"].id))
    session.commit()
    login(client, users["coordinator"])
    later = days.at(days.days(6), 17)
    assert client.post(f"/inventory/loans/{loan.id}/extend", data={"extend-due_at": _local(later)}).status_code == 302
    session.expire_all()
    assert session.get(Loan, loan.id).due_at == later
    response = client.post(f"/inventory/loans/{loan.id}/extend", data={"extend-due_at": "n'importe quoi"})
    assert response.status_code == 400
    assert client.post(f"/inventory/loans/{loan.id}/lost", data={"lost-assets": [tab.id]}).status_code == 302
    session.expire_all()
    assert session.get(Loan, loan.id).status == LoanStatus.LOST
    assert session.get(Asset, tab.id).status == AssetStatus.LOST
    # a mediator sees its own loan, and cannot check it in
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get(f"/inventory/loans/{loan.id}").status_code == 200
    assert client.post(f"/inventory/loans/{loan.id}/return", data={}).status_code == 403


def test_availability_search_and_calendar(client, session, users):
    free = fi.asset(session, tag="TAB-0051")
    busy = fi.asset(session, tag="TAB-0052")
    fi.asset(session, tag="PC-0001", category=AssetCategory.LAPTOP)
    svc.reserve(session, actor=users["mediator"], now=days.NOW, user_id=users["mediator"].id, starts_at=START,
                ends_at=END, asset_ids=[busy.id])
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/inventory/availability?category=tablet&day={DAY}&start=15:00&end=16:00"))
    assert "TAB-0051" in page and "TAB-0052" not in page and "PC-0001" not in page
    assert f"/inventory/reservations/new?asset_id={free.id}" in page
    page = text_of(client.get(f"/inventory/availability?category=tablet&day={DAY}&start=17:00&end=18:00"))
    assert "TAB-0052" in page
    bad = client.get(f"/inventory/availability?day={DAY}&start=16:00&end=15:00")
    assert bad.status_code == 400 and "La fin doit être après le début." in text_of(bad)
    calendar = text_of(client.get(f"/inventory/assets/{busy.id}/calendar?from={DAY}"))
    assert "Réservé par" in calendar and users["mediator"].full_name in calendar
    assert "Aucune réservation" in text_of(client.get(f"/inventory/assets/{free.id}/calendar"))
    ics = client.get(f"/inventory/assets/{busy.id}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    text = ics.get_data(as_text=True).replace("\r\n ", "")
    assert f"SUMMARY:TAB-0052 — réservé par {users['mediator'].full_name}" in text
    assert "BEGIN:VEVENT" not in client.get(f"/inventory/assets/{free.id}/calendar.ics").get_data(as_text=True)


def test_the_free_assets_come_fifty_a_page(client, session, users):
    """A cooperative's 300 assets are not one page: the free ones come fifty a page, the count says them all."""
    for n in range(1, 56):
        fi.asset(session, tag=f"TAB-{n:04d}")
    session.commit()
    login(client, users["mediator"])
    url = f"/inventory/availability?category=tablet&day={DAY}&start=09:00&end=12:00"
    first = text_of(client.get(url))
    assert first.count('name="asset_id"') == 50 and "TAB-0050" in first and "TAB-0051" not in first
    assert "55 appareils libres" in first and 'rel="next"' in first
    second = text_of(client.get(url + "&page=2"))
    assert second.count('name="asset_id"') == 5 and "TAB-0051" in second and "TAB-0055" in second


def test_reserve_a_selection_from_the_availability_search(client, session, users):
    """Tick two of the free tablets, « Réserver la sélection »: the form opens with both and the searched period;
    a tablet in maintenance today is listed (it may be repaired by then) with its status shown."""
    a, b = fi.asset(session, tag="TAB-0061"), fi.asset(session, tag="TAB-0062")
    fi.asset(session, tag="TAB-0063", status=AssetStatus.MAINTENANCE)
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/inventory/availability?category=tablet&day={DAY}&start=09:00&end=12:00"))
    assert 'data-reserve-selection' in page and 'data-now-status="maintenance"' in page
    start, end = _local(days.at(DAY, 9)), _local(days.at(DAY, 12))
    form = text_of(client.get(f"/inventory/reservations/new?start={start}&end={end}&asset_id={a.id}"
                              f"&asset_id={b.id}"))
    assert f'value="{start}"' in form and f'value="{end}"' in form
    checked = [line for line in form.splitlines() if "checked" in line and 'name="assets"' in line]
    assert any(f'value="{a.id}"' in line for line in checked) and any(f'value="{b.id}"' in line for line in checked)
    response = client.post("/inventory/reservations/new", data={"starts_at": start, "ends_at": end,
                                                                "assets": [a.id, b.id]})
    assert response.status_code == 302
    reservation = session.execute(select(Reservation)).scalar_one()
    assert sorted(bk.asset_id for bk in reservation.bookings) == sorted([a.id, b.id])


def test_the_form_marks_the_assets_busy_during_the_session(client, session, users, workshop):
    """From the session page the form knows the period: an asset already reserved then is marked « occupé », with
    who holds it; the free ones are not."""
    busy = fi.asset(session, tag="TAB-0071")
    fi.asset(session, tag="TAB-0072")
    svc.reserve(session, actor=users["coordinator"], now=days.NOW, user_id=users["coordinator"].id,
                starts_at=START - timedelta(hours=1), ends_at=START + timedelta(hours=1), asset_ids=[busy.id])
    session.commit()
    login(client, users["mediator"])
    form = text_of(client.get(f"/inventory/reservations/new?session_id={workshop.id}"))
    lines = {tag: next(line for line in form.splitlines() if f"{tag} — " in line) for tag in ("TAB-0071", "TAB-0072")}
    assert "data-busy" in lines["TAB-0071"] and users["coordinator"].full_name in lines["TAB-0071"]
    assert "data-busy" not in lines["TAB-0072"]
    assert "1 libre sur ce créneau" in form


def test_lists_and_overdue(client, session, users):
    tab = fi.asset(session, tag="TAB-0061")
    fi.loan(session, assets=[tab], user=users["mediator"], checked_out_at=days.NOW - timedelta(days=9),
            due_at=days.NOW - timedelta(days=2))
    session.commit()
    login(client, users["mediator"])
    assert "TAB-0061" in text_of(client.get("/inventory/loans/overdue"))
    assert "TAB-0061" in text_of(client.get("/inventory/loans?status=overdue"))
    assert "TAB-0061" not in text_of(client.get("/inventory/loans?status=returned"))
    assert client.get("/inventory/reservations?status=upcoming").status_code == 200


@pytest.mark.real_commits  # the threads' connections must see the asset and the users the test commits
def test_concurrent_reservation_forms_one_wins_the_others_see_it_named(app, session, users):
    from tests.concurrency import logged_in_clients, run_together

    mediators = [factories.user(session, roles=["mediator"], full_name=f"Médiateur {i}") for i in range(4)]
    tab = fi.asset(session, tag="TAB-0071")
    session.commit()
    asset_id, names, ids = tab.id, [m.full_name for m in mediators], [m.id for m in mediators]
    clients = logged_in_clients(app, mediators)
    session.close()

    def post(i: int):
        response = clients[i].post("/inventory/reservations/new", data={
            "starts_at": _local(START + timedelta(minutes=15 * i)), "ends_at": _local(END), "assets": [asset_id]})
        return response.status_code, text_of(response)

    results = run_together(post, 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    won = [i for i, (status, _page) in enumerate(results) if status == 302]
    assert len(won) == 1, [status for status, _page in results]
    for i, (status, page) in enumerate(results):
        if i != won[0]:
            assert status == 400 and f"TAB-0071 est déjà réservé par {names[won[0]]} du " in page
    assert session.execute(select(Reservation.user_id)).scalars().all() == [ids[won[0]]]


def test_the_form_groups_assets_by_category_and_kit(client, session, users):
    fi.asset(session, tag="PC-0081", category=AssetCategory.LAPTOP, model="Lenovo")
    fi.kit(session, code="KIT-TAB-9", name="Kit atelier", assets=[fi.asset(session, tag="TAB-0081")])
    fi.asset(session, tag="OLD-0081", status=AssetStatus.RETIRED)
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get("/inventory/reservations/new"))
    assert "Ordinateurs portables" in page and "Kit KIT-TAB-9 — Kit atelier" in page
    assert page.index("PC-0081") < page.index("Kit KIT-TAB-9 — Kit atelier") < page.index("TAB-0081")
    assert "OLD-0081" not in page  # retired: not reservable
