"""The review table: each row of a draft with its units as resolved and its source text.

What the review page shows, computed from the draft and a `Resolver`; nothing here changes
the draft or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.errors import InvalidInput
from workflow.import_draft import all_rows
from workflow.import_resolution import Resolver, Target
from workflow.text import fold

# A field the importer read with less confidence than this is highlighted on the page.
LOW_CONFIDENCE = 0.9


_SOURCE_LABELS = {
    "content": "Đoạn văn bản",
    "lead": "Đơn vị chủ trì",
    "coordinating": "Đơn vị phối hợp",
    "in_charge": "Đơn vị thực hiện",
    "timeframe": "Thời gian",
}


def _spans_of(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every span the importer recorded for the item's fields and mentions."""
    spans = item.get("spans") or {}
    out: list[Any] = []
    for value in spans.values() if isinstance(spans, Mapping) else []:
        out.extend(value if isinstance(value, list) else [value])
    return [s for s in out if isinstance(s, Mapping)]


def _marked(text: str, ranges: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, highlighted) with the given ranges merged."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(ranges):
        start, end = max(start, at), min(end, len(text))
        if end <= start:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def source_blocks(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The text an item was read from — its paragraph, then its field cells — each cut into
    pieces with the importer's spans highlighted; merged rows bring their own text."""
    blocks: list[dict[str, Any]] = []
    for part in [item, *(item.get("merged_sources") or [])]:
        spans = _spans_of(part)
        texts = [("content", 0, part.get("source_content", part.get("content")) or "")]
        for label, values in (part.get("sources") or {}).items():
            texts.extend((label, i, v) for i, v in enumerate(values or []) if isinstance(v, str))
        for label, index, text in texts:
            if not text.strip():
                continue
            ranges = [
                (int(s.get("start") or 0), int(s.get("end") or 0))
                for s in spans
                if s.get("in") == label and int(s.get("index") or 0) == index
            ]
            blocks.append(
                {"label": _SOURCE_LABELS.get(label, label), "pieces": _marked(text, ranges)}
            )
    return blocks


def _mapped_names(draft: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """Folded mention → the name of the unit or group the reviewer mapped it to."""
    out: dict[str, str] = {}
    for text, value in (draft.get("mappings") or {}).items():
        try:
            target = Target.parse(value)
        except InvalidInput:
            continue
        if target is not None and target in resolver.names:
            out[fold(text)] = resolver.names[target]
    return out


def review_rows(draft: Mapping[str, Any], resolver: Resolver) -> list[dict[str, Any]]:
    """The review table's rows: each item with its units as the preview shows them (the
    reviewer's mappings applied at once), its warnings (those about a mapped unit dropped)
    and its source text with the spans highlighted."""
    mapped = _mapped_names(draft, resolver)
    rows = []
    for kind, i, item in all_rows(draft):
        units: dict[str, list[dict[str, Any]]] = {}
        done: list[str] = []
        for role in ("lead", "coordinating"):
            units[role] = []
            for text in item.get(role) or []:
                name = mapped.get(fold(text))
                if name is not None:
                    done.append(text)
                    units[role].append({"text": text, "name": name, "state": "mapped"})
                elif resolver.target(text) is not None:
                    units[role].append({"text": text, "name": text, "state": "known"})
                else:
                    units[role].append({"text": text, "name": text, "state": "unknown"})
        warnings = [w for w in item.get("warnings") or [] if not any(f"“{t}”" in w for t in done)]
        rows.append(
            {
                "kind": kind,
                "index": i,
                "item": item,
                "lead": units["lead"],
                "coordinating": units["coordinating"],
                "warnings": warnings,
                "sources": source_blocks(item),
            }
        )
    return rows
