"""Where each field of a draft item came from: a span of the item's content.

The review page shows the source paragraph beside an item; a coordinator trusts a
field when they see the words it was read from. Spans are character offsets into the
item's `content`, found by a folded, whitespace-blind search (restoration and
abbreviation expansion may have changed letters and marks, never the order of words).
"""

from __future__ import annotations

from .draft import DraftItem, PlanDraft
from .scope import Scope
from .textutil import strip_marks

_MIN_NEEDLE = 3


def _folded_index(text: str) -> tuple[str, list[int]]:
    """The text folded one character at a time (same length), spaces squashed, with each
    folded character's offset in the original."""
    out: list[str] = []
    where: list[int] = []
    space = True
    for i, c in enumerate(text):
        if c.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        folded = strip_marks(c).lower()[:1] or c
        out.append(folded)
        where.append(i)
        space = False
    return "".join(out), where


def _fold_needle(text: str) -> str:
    return " ".join(_folded_index(text)[0].split())


def find_span(content: str, needle: str, start: int = 0) -> tuple[int, int] | None:
    """(start, end) of `needle` in `content`, ignoring case, marks and spacing."""
    needle = _fold_needle(needle)
    if len(needle) < _MIN_NEEDLE:
        return None
    folded, where = _folded_index(content)
    at = folded.find(needle, start)
    if at < 0:
        return None
    return where[at], where[at + len(needle) - 1] + 1


def locate(item: DraftItem, text: str, fields: tuple[str, ...] = ()) -> dict | None:
    """Where `text` was read: {"in": "content" or a field label, "index": which value of
    that field, "start", "end"}; the given fields are searched before the content."""
    places = [
        (label, i, value) for label in fields for i, value in enumerate(item.sources.get(label, ()))
    ]
    places.append(("content", 0, item.content))
    for where, index, source in places:
        span = find_span(source, text)
        if span is not None:
            return {"in": where, "index": index, "start": span[0], "end": span[1]}
    return None


_FIELDS = {
    "lead": ("lead", "in_charge"),
    "coordinating": ("coordinating", "in_charge"),
    "timeframe": ("timeframe",),
}


def annotate_item(item: DraftItem, scope: Scope | None) -> None:
    """Set the item's field spans and its unresolved units' proposals."""
    title = item.title.rstrip(" …")
    spans: dict[str, object] = {"title": locate(item, title[:80]) if title else None}
    if item.timeframe_text:
        spans["timeframe"] = locate(item, item.timeframe_text, _FIELDS["timeframe"])
    for role in ("lead", "coordinating"):
        found = []
        for mention in getattr(item, role):
            where = locate(item, mention.text, _FIELDS[role])
            mention.span = (where["start"], where["end"]) if where else None
            mention.source = where
            if mention.unit is None and mention.proposed is None and scope is not None:
                mention.proposed = scope.proposal()
            found.append(where)
        spans[role] = found
    item.spans = spans


def annotate(draft: PlanDraft, scope: Scope | None) -> None:
    """Spans and proposals for every item and suggestion of the draft."""
    for item in [*draft.items, *draft.suggestions]:
        annotate_item(item, scope)
