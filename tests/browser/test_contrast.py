"""The palette in static/style.css meets WCAG AA contrast (4.5:1 text, 3:1 field edges)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "style.css").read_text()


def _var(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})", CSS)
    assert match, f"--{name} is not defined in style.css"
    return match.group(1)


def _luminance(color: str) -> float:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    channels = [int(color[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)


TEXT_PAIRS = [
    ("body text", lambda: _var("fg"), lambda: _var("bg")),
    ("muted text on the page", lambda: _var("muted"), lambda: _var("bg")),
    ("muted text on cards", lambda: _var("muted"), lambda: _var("card")),
    ("links", lambda: _var("accent"), lambda: _var("bg")),
    ("button text", lambda: "#fff", lambda: _var("accent")),
    ("verify button", lambda: "#fff", lambda: _var("ok")),
    ("return/cancel button", lambda: "#fff", lambda: _var("err")),
    ("header", lambda: "#fff", lambda: "#0b3d6e"),
    ("error message", lambda: _var("err"), lambda: "#fbe9e8"),
    ("success message", lambda: _var("ok"), lambda: "#e6f4ea"),
    ("warning tag", lambda: _var("warn"), lambda: "#fff2cc"),
]


@pytest.mark.parametrize(("what", "fg", "bg"), TEXT_PAIRS, ids=[p[0] for p in TEXT_PAIRS])
def test_text_contrast_is_aa(what, fg, bg):
    ratio = contrast(fg(), bg())
    assert ratio >= 4.5, f"{what}: {fg()} on {bg()} is {ratio:.2f}:1"


def test_field_borders_and_focus_ring_are_visible():
    """Form field edges and the focus ring need 3:1 against what surrounds them."""
    borders = re.findall(r"border-color:\s*(#[0-9a-fA-F]{6})", CSS)
    assert borders, "field border colour not found"
    assert contrast(borders[-1], "#ffffff") >= 3, borders[-1]
    # The ring is yellow with a dark edge: the edge carries it on light backgrounds,
    # the yellow on the dark header.
    assert "box-shadow: 0 0 0 5px #1b1f24" in CSS
    assert contrast("#1b1f24", "#ffffff") >= 3 and contrast("#f0b400", "#0b3d6e") >= 3
