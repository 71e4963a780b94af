"""Pagination of SQL queries: one COUNT and one page of rows, never the whole table.

A list that grows with the years (activities, audit log, invoices, payments…) counts at most ``COUNT_LIMIT``
rows (``paginate(..., count_limit=COUNT_LIMIT)``), as GitLab does: counting 240,000 activities costs tens of
milliseconds on PostgreSQL on every page, for a figure the reports give exactly. Past the limit the page says
« Plus de 1 000 résultats », its numbers stop at the current one, and « Suivant » stays while pages are full."""

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core.validation import bounded_int

COUNT_LIMIT = 1000


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False  # ``total`` is a lower bound: the count stopped at its limit

    @property
    def pages(self) -> int:
        """The number of pages, or with ``more`` those known to exist (up to the current one at least)."""
        known = max(1, ceil(self.total / self.per_page))
        return max(known, self.page) if self.more else known

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.more:
            return len(self.items) == self.per_page
        return self.page < self.pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with None for an ellipsis: 1 … 4 5 [6] 7 8 … 20 (with ``more``, no last number:
        1 … 4 5 [6] 7 8 …)."""
        shown: list[int | None] = []
        last = self.pages
        for n in range(1, last + 1):
            if n == 1 or (n == last and not self.more) or abs(n - self.page) <= size:
                shown.append(n)
            elif shown and shown[-1] is not None:
                shown.append(None)
        if self.more and shown[-1] is not None and self.has_next:
            shown.append(None)
        return shown


def page_args(default_per_page: int = 25, max_per_page: int = 200) -> tuple[int, int]:
    page = request.args.get("page", 1, type=bounded_int) or 1
    per_page = request.args.get("per_page", default_per_page, type=bounded_int) or default_per_page
    return max(1, page), max(1, min(per_page, max_per_page))


def paginate(session: Session, stmt: Select, page: int, per_page: int, *, scalars: bool = True,
             count_limit: int | None = None) -> Page:
    """One page of ``stmt``; ``count_limit``: count at most that many rows (see the module)."""
    counted = stmt.order_by(None)
    if count_limit is not None:
        counted = counted.limit(count_limit + 1)
    total = session.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
    more = count_limit is not None and total > count_limit
    if more:
        total = count_limit
    else:
        page = min(page, max(1, ceil(total / per_page)))
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique()) if scalars else list(result.all())
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


def paginate_list(items: list, page: int, per_page: int) -> Page:
    """A page of a list computed in Python (e.g. the free assets of a period): the same ``Page`` as ``paginate``."""
    pages = max(1, ceil(len(items) / per_page))
    page = min(max(1, page), pages)
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))
