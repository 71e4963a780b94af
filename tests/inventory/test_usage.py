"""The usage rate: days reserved or lent over days available, per category and per asset, on a hand-built period;
which bookings count (loans whether returned or not, reservations only while active: a converted one counts
through its loan, once), assets that did not exist or were retired, the page and its CSV/XLSX export."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from coopnum.inventory.models import AssetBooking, AssetCategory, AssetStatus, ReservationStatus
from coopnum.inventory.services import reports
from tests import days
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv

START = days.month_start(-1)  # a wholly past period: the 1st to the 10th of last month
END = START + timedelta(days=9)


def day(n: int, hour: int = 9):
    return days.at(START + timedelta(days=n), hour)


@pytest.fixture
def period(session, users):
    bought = START - timedelta(days=100)
    a = inv.asset(session, tag="TAB-A", purchase_date=bought)
    b = inv.asset(session, tag="TAB-B", purchase_date=bought)
    mediator = users["mediator"]
    # A: reserved on the morning of day 0, then from the afternoon of day 0 to day 2: three days (day 0 once)
    inv.reservation(session, user=mediator, assets=[a], starts_at=day(0), ends_at=day(0, 12))
    inv.reservation(session, user=mediator, assets=[a], starts_at=day(0, 14), ends_at=day(2, 18))
    # B: a reservation turned into a loan (its booking inactive), the loan out days 4–5 and returned
    converted = inv.reservation(session, user=mediator, assets=[b], starts_at=day(4), ends_at=day(5, 18))
    converted.status = ReservationStatus.CONVERTED
    for booking in converted.bookings:
        booking.active = False
    inv.loan(session, assets=[b], user=mediator, checked_out_at=day(4), due_at=day(7), returned_at=day(5, 17))
    # B: a cancelled reservation does not count
    cancelled = inv.reservation(session, user=mediator, assets=[b], starts_at=day(8), ends_at=day(8, 12))
    cancelled.status = ReservationStatus.CANCELLED
    for booking in cancelled.bookings:
        booking.active = False
    # a booking outside the period does not count
    inv.reservation(session, user=mediator, assets=[a], starts_at=day(12), ends_at=day(13))
    session.commit()
    return a, b


def test_two_tablets_over_ten_days(session, period):
    usage = reports.usage(session, START, END, now=days.NOW)
    assert [(c.key, c.assets, c.available_days, c.used_days) for c in usage.categories] == [("tablet", 2, 20, 5)]
    assert usage.categories[0].rate == 0.25 and usage.total.rate == 0.25
    per_asset = {a.key: (a.available_days, a.used_days) for a in usage.assets}
    assert per_asset == {"TAB-A": (10, 3), "TAB-B": (10, 2)}
    assert [a.key for a in usage.top] == ["TAB-A", "TAB-B"] and [a.key for a in usage.bottom] == ["TAB-B", "TAB-A"]


def test_existence_retirement_loss_and_loans_still_out(session, users, period):
    late = inv.asset(session, tag="LAP-NEW", category=AssetCategory.LAPTOP, purchase_date=START + timedelta(days=6))
    inv.asset(session, tag="LAP-OLD", category=AssetCategory.LAPTOP, purchase_date=START - timedelta(days=9),
              status=AssetStatus.RETIRED, retired_on=START + timedelta(days=2))
    inv.asset(session, tag="LAP-LOST", category=AssetCategory.LAPTOP, status=AssetStatus.LOST,
              purchase_date=START - timedelta(days=9))
    # out since day 8, due on day 9 of the period, never returned: counts until now (days 8 and 9 of the period)
    inv.loan(session, assets=[late], user=users["mediator"], checked_out_at=day(8), due_at=day(8, 18))
    session.commit()
    usage = reports.usage(session, START, END, now=days.NOW)
    laptops = next(c for c in usage.categories if c.key == "laptop")
    # LAP-NEW: days 6–9 (4 days); LAP-OLD: days 0–1 (retired on day 2); LAP-LOST left out
    assert (laptops.assets, laptops.available_days, laptops.used_days) == (2, 6, 2)
    only = reports.usage(session, START, END, now=days.NOW, category="laptop")
    assert [c.key for c in only.categories] == ["laptop"]


def test_a_booking_ending_at_midnight_spares_the_next_day(session, users):
    a = inv.asset(session, tag="TAB-M", purchase_date=START - timedelta(days=1))
    session.add(AssetBooking(asset_id=a.id, loan_id=inv.loan(session, assets=[], checked_out_at=day(0),
                                                               due_at=day(1, 0), returned_at=day(1, 0)).id,
                             starts_at=day(0, 20), ends_at=days.at(START + timedelta(days=1), 0), active=False))
    session.commit()
    usage = reports.usage(session, START, END, now=days.NOW)
    assert usage.assets[0].used_days == 1


def test_bad_periods_are_refused(session):
    from coopnum.core.errors import DomainError

    with pytest.raises(DomainError, match="précède"):
        reports.usage(session, END, START, now=days.NOW)
    with pytest.raises(DomainError, match="trop longue"):
        reports.usage(session, START - timedelta(days=4000), END, now=days.NOW)


def test_the_page_and_its_exports(client, session, users, period):
    login(client, users["coordinator"])
    args = f"start={START.isoformat()}&end={END.isoformat()}"
    page = text_of(client.get(f"/inventory/reports/usage?{args}"))
    assert "25,0\u00a0%" in page and "Tablettes" in page and "TAB-A" in page
    # default: last full month
    page = text_of(client.get("/inventory/reports/usage"))
    assert days.month_start(-1).strftime("%d/%m/%Y") in page
    response = client.get(f"/inventory/reports/usage?start={END.isoformat()}&end={START.isoformat()}")
    assert response.status_code == 400 and "La fin de la période précède son début." in text_of(response)
    response = client.get(f"/inventory/reports/usage.csv?{args}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Catégorie"
    assert rows[1][:7] == ["Tablettes", "(toute la catégorie)", "", "2", "20", "5", "25.0"]
    response = client.get(f"/inventory/reports/usage.xlsx?{args}")
    ws = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in ws[2]][3:7] == [2, 20, 5, 25.0]
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get("/inventory/reports/usage").status_code == 403
