"""Every text download says its charset once (``text/csv; charset=utf-8``, never ``…; charset=utf-8; charset=utf-8``):
werkzeug adds the charset to a ``text/*`` mimetype, so the views give the bare mimetype (or the whole
``content_type``, the FEC's ISO-8859-15)."""

import pytest

from coopnum.activities.services import exports
from tests import days, factories
from tests.conftest import login

YEAR = days.TODAY.year


@pytest.mark.parametrize(("url", "expected"), [
    ("/inventory/assets.csv?status=available", "text/csv; charset=utf-8"),
    ("/inventory/assets/import/modele.csv", "text/csv; charset=utf-8"),
    ("/inventory/reports/usage.csv", "text/csv; charset=utf-8"),
    ("/members/register.csv?q=a", "text/csv; charset=utf-8"),
    (f"/billing/accounting/sales.csv?date_from={YEAR}-01-01&date_to={YEAR}-12-31", "text/csv; charset=utf-8"),
])
def test_staff_downloads_have_one_charset(client, session, users, url, expected):
    login(client, users["coordinator"])
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == expected


def test_fec_is_iso_8859_15_once(client, session, users):
    from tests.billing import factories as bf

    bf.company(session)
    session.commit()
    login(client, users["coordinator"])
    response = client.get(f"/billing/accounting/fec/{YEAR - 1}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=iso-8859-15"


def test_open_data_csv_has_one_charset(client, session):
    factories.place(session)
    session.commit()
    response = client.get("/open-data/lieux.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_activity_export_mimetype_gets_its_charset_once(app):
    from flask import send_file

    with app.test_request_context():
        response = send_file(__file__, mimetype=exports.MIMETYPES["csv"], as_attachment=True,
                             download_name="activites.csv")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        response.close()
