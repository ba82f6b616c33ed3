"""Reading request parameters: one place, one policy (issue 9, "never a 500").

The policy, the same on every page:

- A query-string filter or page number that does not parse, or that lies beyond what the
  database can hold, is ignored and its default applies (page 1, no filter, today, this
  year): a list is never an error page because of a stale or hand-edited link.
- A form field that does not parse is refused with a Vietnamese message (`InvalidInput`,
  which the error handler shows as a 400, or which `attempt` turns into a flash): a write
  never guesses what the user meant.
- An id in the path goes through the bounded `int` converter, so an id beyond INTEGER is
  a 404 like any id that does not exist.
- A NUL byte in the path, the query, the form or a file name is refused before any view
  runs: PostgreSQL refuses NUL in text, and no one types one.

The parsing rules themselves (ASCII digits only, ranges, finite floats) are in
workflow/inputs.py, which the services share.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

from reports.progress import parse_period
from workflow import clock
from workflow.errors import InvalidInput
from workflow.inputs import (
    MAX_ID,
    parse_date,
    parse_float,
    parse_int,
)

# Pages beyond this are empty anyway; the bound keeps OFFSET inside every integer type.
MAX_PAGE = 1_000_000
# The years the year-end reports and indicator pages offer.
MIN_REPORT_YEAR, MAX_REPORT_YEAR = 2000, 2100


class BoundedIntConverter(IntegerConverter):
    """The `int` URL converter, limited to ASCII digits and to INTEGER's range: a larger id
    cannot exist, so it is a 404 instead of an overflow in the database driver."""

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,  # noqa: A002 (werkzeug's parameter name)
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = MAX_ID,  # noqa: A002
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        # Beyond the range: 0, an id no row has, so the view answers 404. Refusing the match
        # instead (werkzeug's ValidationError) turns into a 405 when another method shares
        # the path (GET and POST /api/v1/tasks/<id>/extensions): werkzeug then only sees
        # the other method's rule.
        number = int(value)
        if (self.max is not None and number > self.max) or (
            self.min is not None and number < self.min
        ):
            return 0
        return number


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """?name= as an integer in [minimum, maximum]; `default` when missing or unreadable."""
    value = parse_int(request.args.get(name, ""), minimum=minimum, maximum=maximum)
    return default if value is None else value


def page_arg(name: str = "page") -> int:
    """A page number (?page=, ?cpage=): 1 when missing, unreadable or out of range."""
    return int_arg(name, 1, minimum=1, maximum=MAX_PAGE) or 1


def year_arg(name: str = "year") -> int:
    """?year= within the report years; this year when missing or unreadable."""
    value = int_arg(name, minimum=MIN_REPORT_YEAR, maximum=MAX_REPORT_YEAR)
    return value if value is not None else clock.today().year


def date_arg(name: str, default: date | None = None) -> date | None:
    """?name=dd/mm/yyyy (or ISO) within the years the app handles; `default` otherwise."""
    value = parse_date(request.args.get(name))
    return default if value is None else value


def quarter_arg(name: str = "quarter") -> str | None:
    """?quarter= as a quarter ("2024-Q2") or a whole year ("2024") of a sane year, however
    it was spelt ("Quý II/2024" too); None otherwise."""
    return parse_period(request.args.get(name))


def form_int(
    name: str, *, minimum: int = 1, maximum: int = MAX_ID, message: str | None = None
) -> int | None:
    """A submitted integer field; None when blank; InvalidInput when it does not parse."""
    text = (request.form.get(name) or "").strip()
    if not text:
        return None
    value = parse_int(text, minimum=minimum, maximum=maximum)
    if value is None:
        raise InvalidInput(message or _("Giá trị của trường «%(name)s» không hợp lệ.", name=name))
    return value


def form_year(name: str = "year") -> int:
    """The year a form writes to: refused when it is not a report year (never guessed)."""
    value = form_int(
        name,
        minimum=MIN_REPORT_YEAR,
        maximum=MAX_REPORT_YEAR,
        message=_("Năm không hợp lệ (từ %(a)s đến %(b)s).", a=MIN_REPORT_YEAR, b=MAX_REPORT_YEAR),
    )
    return value if value is not None else clock.today().year


def form_float(name: str) -> float | None:
    """A submitted number ("12,5"); None when blank; InvalidInput when it is not a finite
    number (NaN and infinity included: PostgreSQL's JSON refuses them in the audit event)."""
    text = (request.form.get(name) or "").strip()
    if not text:
        return None
    value = parse_float(text)
    if value is None:
        raise InvalidInput(_("Số liệu «%(text)s» không hợp lệ: hãy nhập một số.", text=text[:40]))
    return value


def coerce_id(value: object) -> int:
    """WTForms `coerce` for a select of ids: ValueError (an invalid choice) beyond INTEGER."""
    parsed = parse_int(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


def coerce_optional_id(value: object) -> int | None:
    """Like `coerce_id`, with a blank choice meaning none."""
    if value in (None, "", "None"):
        return None
    return coerce_id(value)


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None.

    Browsers ignore tabs and newlines in a URL and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" would leave the site: clean those first, then
    accept only a path that starts with one slash and has no scheme or host.
    """
    if not target:
        return None
    cleaned = "".join(ch for ch in target if ch not in "\t\r\n").replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return True
    if request.method in ("POST", "PUT", "PATCH"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
        for key, upload in request.files.items(multi=True):
            if "\x00" in key or "\x00" in (upload.filename or ""):
                return True
    return False


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter (before any route exists) and the NUL guard."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _refuse_nul_bytes() -> None:
        if _has_nul():
            raise InvalidInput(
                _("Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL); yêu cầu đã bị từ chối.")
            )
