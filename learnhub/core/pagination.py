"""Paging a SQLAlchemy SELECT for flask-smorest's ``@blp.paginate(QueryPage)``: the page's rows
with LIMIT/OFFSET and the total with one COUNT, never the whole result in memory. The page and
total go in the ``X-Pagination`` header."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Page
from sqlalchemy import func, select


class QueryPage(Page):
    """``collection`` is a 2.0-style ``Select`` of ORM entities, with its ORDER BY."""

    @property
    def items(self) -> list:
        session = current_app.extensions["sqlalchemy"].session
        query = self.collection.offset(self.page_params.first_item).limit(
            self.page_params.page_size
        )
        return list(session.scalars(query))

    @property
    def item_count(self) -> int:
        session = current_app.extensions["sqlalchemy"].session
        counted = self.collection.order_by(None).subquery()
        return session.scalar(select(func.count()).select_from(counted))
