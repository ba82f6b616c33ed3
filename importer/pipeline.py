"""The import pipeline: extracted lines -> outline -> plan draft."""

from __future__ import annotations

import copy
import re
from collections import Counter

from . import limits
from .abbrev import expand, find_definitions
from .directory import Directory, Entry
from .draft import DraftItem, PlanDraft
from .duties import find_duties, heading_ids
from .fields import COORDINATING, IN_CHARGE, LEAD, PRODUCT, TIMEFRAME
from .metadata import PlanMeta, extract_metadata, place_of
from .normalize import Line, build_paragraphs, clean_lines, repair_quarters
from .plantime import plan_timeframe
from .provenance import annotate
from .restore import restore_diacritics, restore_lines
from .scope import Scope
from .segment import Node, Outline, segment
from .tables import find_layout_tables
from .textutil import fold, squash_spaces
from .timeframes import Timeframe, parse_timeframe
from .unitlist import complete, full_names, mend
from .units import Mention, find_abbreviations, resolve_mentions

LOW_CONFIDENCE = 0.9
_TITLE_MAX = 240
_DEADLINE = re.compile(r"\btru\w{0,3}\s+ng\w{1,2}\s+\d{1,2}\b")


def _plan_year(meta: PlanMeta, lines: list[Line]) -> int | None:
    if meta.issued_on:
        return meta.issued_on.year
    for line in lines[:15]:
        m = re.search(r"\bn\w{1,2}m\s+(20\d{2})\b", fold(line.text))
        if m and re.search(r"\bng\w{1,2}\b", fold(line.text)):
            return int(m.group(1))
    years = Counter(re.findall(r"\bnam\s+(20\d{2})\b", fold(" ".join(x.text for x in lines))))
    if years:
        return years.most_common(1)[0][0] and int(years.most_common(1)[0][0])
    return meta.year


def make_title(text: str) -> str:
    """The item's title: its first sentence or clause, cut at a word boundary."""
    text = squash_spaces(text)
    m = re.search(r"(?<=[^\s])[.;](?=\s+[^\d\s])", text)
    title = text[: m.start()] if m and m.start() >= 20 else text
    if len(title) > _TITLE_MAX:
        cut = title.rfind(" ", 0, _TITLE_MAX)
        title = title[: cut if cut > 40 else _TITLE_MAX] + " …"
    return restore_diacritics(title.strip(" .;:"))


def _clean_value(text: str) -> str:
    return squash_spaces(text).strip(" .,;:")


def _mention_warnings(mentions: list[Mention], role: str) -> list[str]:
    warnings = []
    for m in mentions:
        if m.unit is None:
            warnings.append(
                f"Không tìm thấy đơn vị {role} “{m.text}” trong danh mục; "
                "giữ nguyên như văn bản, cần gán đơn vị."
            )
        elif m.confidence < LOW_CONFIDENCE:
            warnings.append(
                f"Đơn vị {role} “{m.text}” được hiểu là “{m.unit}” "
                f"(độ tin cậy {round(m.confidence * 100)}%), cần kiểm tra."
            )
    return warnings


def _confidence(mentions: list[Mention]) -> float:
    if not mentions:
        return 0.0
    return round(min(m.confidence for m in mentions), 3)


def _apply_timeframe(item: DraftItem, tf: Timeframe) -> None:
    item.timeframe_text = tf.text
    item.periods = tf.periods
    item.due = tf.due
    item.recurrence = tf.recurrence
    item.ongoing = tf.ongoing
    item.notes = tf.notes


_PLURAL = re.compile(r"\b(?:cac|nhung|moi|tung)\b")


class _Context:
    def __init__(
        self,
        directory: Directory | None,
        abbreviations: dict[str, str],
        year: int | None,
        issuer: str | None = None,
        place: str | None = None,
    ):
        self.directory = directory
        self.abbreviations = abbreviations
        self.year = year
        # The issuer's place and level: what its mentions may resolve to (scope.py).
        self.scope = Scope.of(directory, issuer, place)
        self.home = self._home(issuer)
        # Names the plan writes in full (folded), never cut by the unit-list splitter.
        self.known: set[str] = set()
        # The plan-wide timeframe, for items without their own (plantime.py).
        self.plan_timeframe = ""
        # Abbreviations the plan defines in forms units.py does not read (abbrev.py).
        self.definitions: list[tuple[str, str]] = []
        # Short forms of names the plan writes in full elsewhere (unitlist.full_names).
        self.full_names: dict[str, str] = {}
        # Group code -> the issuer's own member: asked once per mention of a group, and
        # each answer reads the whole directory (H2: a plan can name a group thousands of
        # times).
        self._own: dict[str, Entry | None] = {}

    def _home(self, issuer: str | None) -> tuple[str, str] | None:
        """(code, folded place) of the issuing unit, when the directory knows it."""
        entry = self.scope.entry
        return (entry.code, fold(place_of(entry.name) or "")) if entry else None

    def _own_member(self, group_code: str) -> Entry | None:
        """The member of a group that is the issuer, or the issuer's office of that kind
        ("Phòng GD&ĐT" in a plan of UBND quận Gò Vấp is the office of quận Gò Vấp)."""
        if group_code not in self._own:
            self._own[group_code] = self._find_own_member(group_code)
        return self._own[group_code]

    def _find_own_member(self, group_code: str) -> Entry | None:
        if self.home is None:
            return None
        code, place = self.home
        members = self.directory.members(group_code) if self.directory else []
        for entry in members:
            if entry.code == code:
                return entry
        local = [e for e in members if place and fold(e.name).endswith(" " + place)]
        return local[0] if len(local) == 1 else None

    def mentions(self, text: str) -> list[Mention]:
        # Short forms the plan defines put back to their full names first (abbrev.py).
        text = expand(text, self.definitions)
        found = resolve_mentions(text, self.directory, self.abbreviations, self.scope)
        for mention in found:
            # A group named in the singular ("Phòng GD&ĐT", not "các Phòng GD&ĐT") in
            # a plan issued by one of its members means that member: the plan's own office.
            if mention.kind != "group" or mention.code is None:
                continue
            if _PLURAL.search(fold(mention.text)) or "," in mention.text:
                continue
            own = self._own_member(mention.code)
            if own is not None:
                mention.unit, mention.kind, mention.code = own.name, "unit", own.code
        return complete(mend(found, text, self.known), self.full_names)


def _item_from_node(node: Node, ctx: _Context) -> DraftItem:
    heading = squash_spaces(node.text)
    body = [heading, *node.content] if heading else list(node.content)
    title_source = heading or (node.content[0] if node.content else "")
    item = DraftItem(
        number=node.number,
        section=node.section,
        title=make_title(title_source),
        content="\n".join(x for x in body if x),
    )
    lead = [m for value in node.fields.get(LEAD, []) for m in ctx.mentions(value)]
    coordinating = [m for value in node.fields.get(COORDINATING, []) for m in ctx.mentions(value)]
    in_charge = [m for value in node.fields.get(IN_CHARGE, []) for m in ctx.mentions(value)]
    if in_charge:
        if not lead:
            lead, in_charge = in_charge[:1], in_charge[1:]
        coordinating = in_charge + coordinating
        if len(in_charge) or len(lead):
            item.warnings.append(
                "Mục ghi “Phụ trách” nhiều đơn vị: đơn vị đầu tiên được hiểu là chủ trì, "
                "các đơn vị sau là phối hợp; cần xác nhận."
            )
    seen = {m.code or fold(m.text) for m in lead}
    coordinating = [m for m in coordinating if (m.code or fold(m.text)) not in seen]
    item.lead, item.coordinating = lead, coordinating
    item.sources = {label: list(values) for label, values in node.fields.items()}
    if not lead:
        item.warnings.append("Chưa xác định được đơn vị chủ trì.")
    item.warnings += _mention_warnings(lead, "chủ trì")
    item.warnings += _mention_warnings(coordinating, "phối hợp")

    tf_text = _clean_value("; ".join(node.fields.get(TIMEFRAME, [])))
    if not tf_text and ctx.plan_timeframe:
        tf_text = ctx.plan_timeframe
        item.warnings.append(
            f"Mục không ghi thời gian: lấy thời gian chung của kế hoạch “{tf_text}”."
        )
    tf = parse_timeframe(tf_text, ctx.year)
    tf.text = tf_text if tf.adjusted else repair_quarters(tf_text)
    _apply_timeframe(item, tf)
    if tf.adjusted:
        item.warnings.append(
            f"Số quý trong “{tf_text}” bị hỏng do OCR, đã hiểu là {', '.join(tf.periods)}; "
            "cần kiểm tra."
        )
    if not tf_text:
        item.warnings.append("Không có thời gian thực hiện.")
    elif not tf.understood:
        item.warnings.append(f"Không hiểu được thời gian thực hiện “{tf_text}”; cần nhập tay.")
    for note in tf.notes:
        item.warnings.append(f"Thời hạn có điều kiện lặp lại: “{note}”.")
    products = node.fields.get(PRODUCT)
    if products:
        item.content += "\nSản phẩm: " + "; ".join(_clean_value(p) for p in products)
    item.confidence = {
        "lead": _confidence(lead),
        "coordinating": _confidence(coordinating) if coordinating else 1.0,
        "timeframe": 1.0 if tf.understood else 0.0,
        "title": 1.0 if len(item.title) >= 8 else 0.5,
    }
    return item


def _suggestions(outline: Outline, ctx: _Context) -> list[DraftItem]:
    """Deadline sentences outside the tasks ("báo cáo … trước ngày 10 tháng 12 hằng năm")."""
    found: list[DraftItem] = []
    in_task: dict[int, bool] = {}  # id(node): the node or an ancestor is a task
    leads: dict[int, list[Mention]] = {}  # id(node): the units its heading names
    for para, node, section in outline.loose:
        if node is not None and _in_task(node, in_task):
            continue
        for sentence in re.split(r"(?<=[.;])\s+", para.text):
            m = _DEADLINE.search(fold(sentence))
            if not m:
                continue
            words = sentence.split()
            start = len(fold(sentence)[: m.start()].split())
            tail = " ".join(words[start : start + 10])
            tf = parse_timeframe(tail, ctx.year)
            if tf.due is None:
                continue
            item = DraftItem(
                number=f"{section.number + '.' if section else ''}{node.number if node else ''}",
                section=section.number if section else None,
                title=make_title(sentence),
                content=squash_spaces(sentence),
            )
            _apply_timeframe(item, tf)
            item.timeframe_text = _clean_value(tail)
            if node is not None:
                # One heading can hold many deadline sentences: resolve its units once.
                if id(node) not in leads:
                    leads[id(node)] = [m for m in ctx.mentions(node.text) if m.unit]
                item.lead = [copy.copy(m) for m in leads[id(node)]]
            item.warnings.append(
                "Gợi ý: câu có thời hạn nằm ngoài danh sách nhiệm vụ; xem xét thêm thành nhiệm vụ."
            )
            found.append(item)
    return found


def _duties_as_items(outline: Outline, ctx: _Context) -> list[DraftItem]:
    """Plans without labelled items assign work per unit under "Tổ chức thực hiện".

    DESIGN.md: every bullet under a unit heading is a task led by the heading's unit(s),
    numbered "N.k"; units after "phối hợp với" coordinate (duties.py finds them). Used
    only when the plan has no labelled tasks, because plans that have them repeat the
    same duties there in summary.
    """
    items: list[DraftItem] = []
    duties = find_duties(outline)
    leads: dict[str, list[Mention]] = {}  # heading -> its units, resolved once
    for duty in duties:
        if duty.heading not in leads:
            leads[duty.heading] = ctx.mentions(duty.heading)
        item = DraftItem(
            number=duty.number,
            section=duty.section,
            title=make_title(duty.text),
            content="\n".join(duty.content),
        )
        item.lead = [copy.copy(m) for m in leads[duty.heading]]
        lead_keys = {m.code or fold(m.text) for m in item.lead}
        item.coordinating = [
            m
            for m in (ctx.mentions(duty.coordinating) if duty.coordinating else [])
            if (m.code or fold(m.text)) not in lead_keys
        ]
        item.warnings.append(
            "Nhiệm vụ suy ra từ phần “Tổ chức thực hiện” (nhiệm vụ liệt kê theo từng đơn vị); "
            "cần xác nhận."
        )
        item.warnings += _mention_warnings(item.lead, "chủ trì")
        item.warnings += _mention_warnings(item.coordinating, "phối hợp")
        tf_text = _clean_value(duty.timeframe)
        if not tf_text and ctx.plan_timeframe:
            tf_text = ctx.plan_timeframe
            item.warnings.append(
                f"Mục không ghi thời gian: lấy thời gian chung của kế hoạch “{tf_text}”."
            )
        tf = parse_timeframe(tf_text, ctx.year)
        _apply_timeframe(item, tf)
        if not tf_text:
            item.warnings.append("Không có thời gian thực hiện.")
        item.confidence = {
            "lead": _confidence(item.lead),
            "coordinating": _confidence(item.coordinating) if item.coordinating else 1.0,
            "timeframe": 1.0 if tf.understood else 0.0,
            "title": 1.0 if len(item.title) >= 8 else 0.5,
        }
        items.append(item)
    return items


def _in_task(node: Node, memo: dict[int, bool]) -> bool:
    """Whether the node or one of its ancestors is a task, each node decided once."""
    chain: list[Node] = []
    current: Node | None = node
    answer = False
    while current is not None:
        known = memo.get(id(current))
        if known is not None:
            answer = known
            break
        if current.is_task:
            answer = True
            break
        chain.append(current)
        current = current.parent
    # Every node walked below the answer shares it (a task above is a task above them).
    for walked in chain:
        memo[id(walked)] = answer
    return answer


def _numbers_restart_by_section(tasks: list[Node]) -> bool:
    """Tasks of different Roman sections share numbers ("II. … 1. …", "III. … 1. …")."""
    sections: dict[str, set[str | None]] = {}
    for node in tasks:
        sections.setdefault(node.number.lower(), set()).add(node.roman)
    return any(len(romans) > 1 for romans in sections.values())


def build_draft(lines: list[Line], directory: Directory | None = None) -> PlanDraft:
    """Run normalisation, segmentation and field extraction on extracted lines.

    Refuses lines over the importer's limits first (`importer.limits`), whoever calls.
    """
    limits.check_lines(len(lines))
    limits.check_chars(sum(len(x.text or "") for x in lines))
    # Diacritics first: everything after (segmentation, fields, units) reads restored text.
    # Space-aligned tables first: cleaning squashes the spaces that hold their columns.
    cleaned = restore_lines(clean_lines(find_layout_tables(lines)))
    paragraphs = build_paragraphs(cleaned, cleaned=True)
    outline = segment(paragraphs)
    meta = extract_metadata(
        [x.text for x in cleaned if x.cells is None], outline.preamble, directory
    )
    full_text = " ".join(p.text for p in paragraphs)
    ctx = _Context(
        directory,
        find_abbreviations(full_text),
        _plan_year(meta, cleaned),
        meta.issuer,
        meta.place,
    )
    ctx.definitions = find_definitions(full_text)
    ctx.known = {fold(long) for _, long in ctx.definitions}
    # Cells and paragraphs kept apart, so that no name runs on into the next one.
    ctx.full_names = full_names(
        " ; ".join(" ; ".join(p.cells) if p.cells else p.text for p in paragraphs)
    )
    if meta.title:
        meta.title = restore_diacritics(meta.title)
    draft = PlanDraft(plan=meta)
    ctx.plan_timeframe = plan_timeframe(outline, meta.title, ctx.year)
    # Unit headings of a "Tổ chức thực hiện" section are not tasks themselves, even when
    # a label line under them ("Thời gian: …") gave them a field (duties.py).
    duty_ids = heading_ids(outline)
    tasks = [node for node in outline.nodes if node.is_task and id(node) not in duty_ids]
    if _numbers_restart_by_section(tasks):
        draft.warnings.append(
            "Số thứ tự các mục đánh lại từ đầu trong mỗi phần; mục được ghi kèm số phần "
            "(“II.1”, “III.1”)."
        )
        for node in tasks:
            if node.roman and not node.number.upper().startswith(node.roman + "."):
                node.number = f"{node.roman}.{node.number}"
    seen_numbers: set[str] = set()
    for node in tasks:
        key = node.number.lower()
        if key in seen_numbers:
            draft.warnings.append(f"Số mục “{node.number}” xuất hiện nhiều lần; chỉ giữ mục đầu.")
            continue
        seen_numbers.add(key)
        draft.items.append(_item_from_node(node, ctx))
    draft.suggestions = _suggestions(outline, ctx)
    if not draft.items:
        draft.items = _duties_as_items(outline, ctx)
    if not draft.items:
        draft.warnings.append(
            "Không tìm thấy nhiệm vụ nào có đơn vị chủ trì hoặc thời gian thực hiện."
        )
    if meta.number is None:
        draft.warnings.append("Không đọc được số kế hoạch.")
    if meta.issued_on is None:
        draft.warnings.append("Không đọc được ngày ban hành.")
    # Each field's source span, unknown units proposed under the issuer (provenance.py).
    annotate(draft, ctx.scope)
    draft.issuer = ctx.scope.describe()
    return draft
