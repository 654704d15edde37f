"""Page-number pagination with a documented envelope.

Every list answers ``{"count", "next", "previous", "results"}``: ``count`` is
the number of matching rows, ``next``/``previous`` are absolute URLs (or
null) with the same filters. Page size defaults to 100, at most 500. A page
past the end is a 404; the first page of nothing is an empty list.
"""

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import BaseModel, create_model

from .errors import ApiError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, at most {MAX_PAGE_SIZE}."
    )


def page_schema(item: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=BaseModel,
        count=(int, Field(..., description="Rows matching the filters, on all pages.")),
        next=(str | None, Field(..., description="URL of the next page, or null.")),
        previous=(str | None, Field(..., description="URL of the previous page, or null.")),
        results=(list[item], ...),
    )


def _page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"


def paginate(request, qs, params: PageParams, serialize) -> dict:
    """One COUNT and one SELECT of the page's rows (plus the queryset's prefetches), whatever the page."""
    count = qs.count()
    start = (params.page - 1) * params.page_size
    if params.page > 1 and start >= count:
        raise ApiError(404, "not_found", _("There is no such page."))
    rows = list(qs[start:start + params.page_size])
    return {
        "count": count,
        "next": _page_url(request, params.page + 1) if start + params.page_size < count else None,
        "previous": _page_url(request, params.page - 1) if params.page > 1 else None,
        "results": [serialize(row) for row in rows],
    }
