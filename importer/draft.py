"""The plan draft the importer produces, and its JSON form.

A draft is what the coordinator reviews before anything is written to the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .metadata import PlanMeta
from .units import Mention


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class DraftItem:
    """One task of the plan as parsed, with its warnings and confidences."""

    number: str
    section: str | None
    title: str
    content: str = ""
    lead: list[Mention] = field(default_factory=list)
    coordinating: list[Mention] = field(default_factory=list)
    timeframe_text: str = ""
    periods: list[str] = field(default_factory=list)
    due: date | None = None
    recurrence: str | None = None
    ongoing: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    # Field -> where it was read: {"in": "content" or a field label, "start", "end"}.
    spans: dict[str, Any] = field(default_factory=dict)
    # The labelled field texts the item was read from ("Đơn vị chủ trì: …"), by label.
    sources: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The item as in `planwork plans parse --json`."""
        return {
            "number": self.number,
            "section": self.section,
            "title": self.title,
            "content": self.content,
            "lead": [m.name for m in self.lead],
            "coordinating": [m.name for m in self.coordinating],
            "timeframe_text": self.timeframe_text,
            "periods": list(self.periods),
            "due": _iso(self.due),
            "recurrence": self.recurrence,
            "ongoing": self.ongoing,
            "warnings": list(self.warnings),
            "confidence": dict(self.confidence),
            "spans": dict(self.spans),
            "sources": {k: list(v) for k, v in self.sources.items()},
            "mentions": {
                "lead": [m.to_json() for m in self.lead],
                "coordinating": [m.to_json() for m in self.coordinating],
            },
        }


@dataclass
class PlanDraft:
    """A parsed plan: metadata, task items, suggested extra items and warnings."""

    plan: PlanMeta
    items: list[DraftItem] = field(default_factory=list)
    suggestions: list[DraftItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The issuer as resolved: directory code, confidence, place (importer.scope).
    issuer: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The draft as a JSON-ready dict (see the issue for the exact shape)."""
        return {
            "plan": {
                "number": self.plan.number,
                "issued_on": _iso(self.plan.issued_on),
                "issuer": self.plan.issuer,
                "title": self.plan.title,
                "based_on": list(self.plan.based_on),
                "issuer_resolution": dict(self.issuer),
            },
            "items": [item.to_json() for item in self.items],
            "suggestions": [item.to_json() for item in self.suggestions],
            "warnings": list(self.warnings),
        }

    def dumps(self) -> str:
        """JSON text with Vietnamese kept readable."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1)
