"""Pagination: exact counts, and the capped count of the lists that grow with the years."""

from flask import render_template_string
from sqlalchemy import select

from coopnum.core.models import AuditLog
from coopnum.core.pagination import Page, paginate
from tests import days


def _logs(session, n: int) -> None:
    session.add_all([AuditLog(at=days.NOW, action="test", object_type="x", object_id=str(i)) for i in range(n)])
    session.flush()


STMT = select(AuditLog).where(AuditLog.action == "test").order_by(AuditLog.id)


def test_an_exact_count_clamps_the_page_to_the_last(session):
    _logs(session, 12)
    page = paginate(session, STMT, 9, 5)
    assert (page.total, page.more, page.page, page.pages) == (12, False, 3, 3)
    assert [log.object_id for log in page.items] == ["10", "11"]
    assert page.window() == [1, 2, 3] and not page.has_next


def test_a_capped_count_stops_at_the_limit_and_pages_go_on(session):
    _logs(session, 23)
    page = paginate(session, STMT, 1, 5, count_limit=10)
    assert (page.total, page.more, page.pages) == (10, True, 2)
    assert page.has_next and page.window() == [1, 2, None]
    # past the counted rows: the page is read, not clamped, and « Suivant » stays while pages are full
    page = paginate(session, STMT, 4, 5, count_limit=10)
    assert [log.object_id for log in page.items] == ["15", "16", "17", "18", "19"]
    assert page.pages == 4 and page.has_next and page.window() == [1, 2, 3, 4, None]
    last = paginate(session, STMT, 5, 5, count_limit=10)
    assert len(last.items) == 3 and not last.has_next and last.window() == [1, None, 3, 4, 5]
    # under the limit the count is exact
    exact = paginate(session, STMT, 1, 5, count_limit=100)
    assert (exact.total, exact.more) == (23, False)


def test_the_pagination_says_more_than_the_limit(app, session):
    with app.test_request_context("/audit?page=1"):
        html = render_template_string('{% from "macros.html" import pagination %}{{ pagination(page) }}',
                                      page=Page(items=[1] * 50, page=1, per_page=50, total=1000, more=True))
        assert "Plus de 1\u202f000 résultats" in html and 'rel="next"' in html
        html = render_template_string('{% from "macros.html" import pagination %}{{ pagination(page) }}',
                                      page=Page(items=[1] * 50, page=1, per_page=50, total=120))
        assert "120 résultats" in html and "Plus de" not in html
