"""Pagination of SQL queries: one COUNT and one page of rows, never the whole table."""

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core.validation import bounded_int


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with None for an ellipsis: 1 … 4 5 [6] 7 8 … 20."""
        shown: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in (1, self.pages) or abs(n - self.page) <= size:
                shown.append(n)
            elif shown and shown[-1] is not None:
                shown.append(None)
        return shown


def page_args(default_per_page: int = 25, max_per_page: int = 200) -> tuple[int, int]:
    page = request.args.get("page", 1, type=bounded_int) or 1
    per_page = request.args.get("per_page", default_per_page, type=bounded_int) or default_per_page
    return max(1, page), max(1, min(per_page, max_per_page))


def paginate(session: Session, stmt: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    pages = max(1, ceil(total / per_page))
    page = min(page, pages)
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique()) if scalars else list(result.all())
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate_list(items: list, page: int, per_page: int) -> Page:
    """A page of a list computed in Python (e.g. the free assets of a period): the same ``Page`` as ``paginate``."""
    pages = max(1, ceil(len(items) / per_page))
    page = min(max(1, page), pages)
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))
