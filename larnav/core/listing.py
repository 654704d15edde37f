"""Sorting and paging for list pages: whitelisted sort keys, sane defaults for garbage input."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def sort_queryset(qs, requested: str, allowed: dict[str, tuple[str, ...]], default: str):
    """Order ``qs`` by the whitelisted key ``requested`` ("name" or "-name"); unknown keys fall back."""
    key = requested.lstrip("-")
    if key not in allowed:
        requested, key = default, default.lstrip("-")
    descending = requested.startswith("-")
    fields = allowed[key]
    ordering = [f"-{f}" if descending and not f.startswith("-") else f for f in fields]
    return qs.order_by(*ordering, "pk"), requested


def paginate(request, qs, per_page: int = PAGE_SIZE):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))
