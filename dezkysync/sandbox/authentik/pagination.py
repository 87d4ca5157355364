"""authentik's page-number pagination (Django Paginator + authentik's response object).

``page_size`` defaults to 20 and is capped at 100; an unusable value falls back to the default.
``next``/``previous`` are page numbers with 0 meaning "none"; an empty result is page 1 of 1 with
``start_index``/``end_index`` 0; a page that does not exist is ``404 {"detail": "Invalid page."}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dezkysync.sandbox._wsgi import Request
from dezkysync.sandbox.authentik.errors import INVALID_PAGE, ApiError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """One page of a result: the slice bounds and the pagination object."""

    start: int
    stop: int
    pagination: dict[str, int]


def page_size(request: Request) -> int:
    """DRF's ``get_page_size`` with authentik's default and cap."""
    raw = request.arg("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size <= 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def paginate_count(request: Request, count: int) -> Page:
    """Which slice of ``count`` ordered items the request's page covers."""
    size = page_size(request)
    total_pages = max(1, -(-count // size))
    raw = request.arg("page") or "1"
    if raw == "last":
        number = total_pages
    else:
        try:
            number = int(raw)
        except ValueError:
            raise ApiError(404, {"detail": INVALID_PAGE}) from None
    if number < 1 or number > total_pages:
        raise ApiError(404, {"detail": INVALID_PAGE})
    start = (number - 1) * size
    stop = min(start + size, count)
    pagination = {
        "next": number + 1 if number < total_pages else 0,
        "previous": number - 1 if number > 1 else 0,
        "count": count,
        "current": number,
        "total_pages": total_pages,
        "start_index": start + 1 if count else 0,
        "end_index": stop,
    }
    return Page(start, stop, pagination)


def paginate(request: Request, items: Sequence[T]) -> tuple[Sequence[T], dict[str, int]]:
    """The request's page of ``items`` and its pagination object."""
    page = paginate_count(request, len(items))
    return items[page.start : page.stop], page.pagination


def paginated_body(
    pagination: dict[str, int], results: list[Any], autocomplete: dict[str, Any]
) -> dict[str, Any]:
    """The list response body: ``pagination``, ``results`` and ``autocomplete``."""
    return {"pagination": pagination, "results": results, "autocomplete": autocomplete}
