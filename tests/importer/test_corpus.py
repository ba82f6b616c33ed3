"""The corpus (tests/fixtures/importer/corpus/): plans of the genres issue 10 lists, written
for these tests, scored from TXT, DOCX, PDF (and XLSX for appendix tables).

Each plan has a hand-decided answer in the scoring tool's format (its "genre" and "notes"
say what it exercises). Documents are rendered at test time by corpus_render.py.
A plan listed in PENDING does not reach the bar yet on that format: it is scored and
reported, not asserted (see the report of the session that added it).
"""

from __future__ import annotations

import json

import pytest

import importer

from . import corpus_render
from .support import FIXTURES, score

MIN_SCORE = 98.0
CORPUS = FIXTURES / "corpus"
PLANS = sorted(p.name.removesuffix(".txt") for p in CORPUS.glob("*.txt"))
TABLE_GENRES = ("pipe", "xq", "xm")
# (plan, format) pairs that do not reach MIN_SCORE yet, and why: a Hà Nội or Đà Nẵng
# unit resolved to a Ho Chi Minh City office or group (place-scoped resolution, DESIGN.md;
# not segmentation). None now: the issuer's place is read from the header (scope.py).
_HCMC_MATCH: tuple[str, ...] = ()
PENDING: set[tuple[str, str]] = {
    (name, kind) for name in _HCMC_MATCH for kind in ("txt", "docx", "pdf", "xlsx")
}


def _answer(name: str) -> dict:
    return json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))


def _text(name: str) -> str:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def directory():
    return importer.default_directory()


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Rendered documents, made once per session into a temporary cache."""
    cache = tmp_path_factory.mktemp("corpus")
    made: dict[tuple[str, str], bytes] = {}

    def get(name: str, kind: str) -> bytes:
        if (name, kind) not in made:
            genre = _answer(name)["genre"]
            render = {
                "docx": corpus_render.to_docx,
                "pdf": corpus_render.to_pdf,
                "xlsx": corpus_render.to_xlsx,
            }[kind]
            data = render(_text(name), genre)
            (cache / f"{name}.{kind}").write_bytes(data)
            made[(name, kind)] = data
        return made[(name, kind)]

    return get


def _check(name: str, kind: str, draft) -> None:
    pct, extra, report = score(f"corpus/{name}", draft.to_json())
    if (name, kind) in PENDING:
        pytest.skip(f"pending: {pct:.1f}%, {extra} extra")
    assert extra == 0, report
    assert pct >= MIN_SCORE, report


def test_corpus_size_and_genres():
    assert len(PLANS) >= 20
    genres = {_answer(n)["genre"] for n in PLANS}
    assert {"labelled", "pipe", "layout", "xq", "xm", "duties"} <= genres


@pytest.mark.parametrize("name", PLANS)
def test_txt(name, directory):
    _check(name, "txt", importer.parse_text(_text(name), directory))


@pytest.mark.parametrize("name", PLANS)
def test_docx(name, directory, rendered):
    _check(name, "docx", importer.parse_file(rendered(name, "docx"), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_pdf(name, directory, rendered):
    _check(name, "pdf", importer.parse_file(rendered(name, "pdf"), directory=directory))


@pytest.mark.parametrize("name", [n for n in PLANS if _answer(n)["genre"] in TABLE_GENRES])
def test_xlsx(name, directory, rendered):
    _check(name, "xlsx", importer.parse_file(rendered(name, "xlsx"), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_plan_number_and_date(name, directory):
    plan = importer.parse_text(_text(name), directory).to_json()["plan"]
    want = _answer(name)["plan"]
    assert plan["number"] == want["number"]
    assert plan["issued_on"] == want["issued_on"]


BA_DINH = FIXTURES / "128-KH-UBND-Ba-Dinh-2025-district-learning-city-ocr.txt"


def test_ba_dinh_reads_as_per_unit_duties(directory):
    """The Ba Đình seed (OCR without diacritics) is a plan of duties listed under each
    unit: every bullet is a task numbered N.k (11.2.k under the sub-heading "11.2. Hội
    Khuyến học quận"), led by its heading's unit(s), with the plan's 2025 timeframe."""
    items = importer.parse_text(BA_DINH.read_text(encoding="utf-8"), directory).to_json()["items"]
    numbers = [i["number"] for i in items]
    assert numbers[:12] == [f"1.{k}" for k in range(1, 13)]
    assert {"2.4", "3.4", "8.4", "10.2", "11.2.5", "11.5.2", "12.3"} <= set(numbers)
    assert all(n.count(".") in (1, 2) for n in numbers)  # no annex row became a task
    assert len(numbers) == len(set(numbers)) >= 55
    assert all(i["periods"] == ["2025"] and i["due"] == "2025-12-31" for i in items)
    by_number = {i["number"]: i for i in items}
    assert len(by_number["11.5.1"]["lead"]) == 3  # "Hội Cựu chiến binh, Hội Người cao tuổi, …"
    assert [x.lower() for x in by_number["11.2.3"]["lead"]] == ["hội khuyến học quận"]
    assert any("tài chính" in c.lower() for c in by_number["1.5"]["coordinating"])


def test_unit_list_helpers_stay_linear():
    """A hostile duty ("phối hợp với A, A, A, …") and a page of aligned-looking lines
    cost time in proportion to their length (H2)."""
    import time

    from importer.duties import coordinating_text
    from importer.extract import text_lines
    from importer.tables import find_layout_tables

    def cost(n: int) -> float:
        started = time.perf_counter()
        coordinating_text("Phối hợp với " + "Phòng Nội vụ, " * n, ["phong noi vu"])
        find_layout_tables(text_lines("STT   Nội dung   Đơn vị chủ trì   Thời gian\n" * n))
        return time.perf_counter() - started

    small, large = cost(500), cost(4000)
    assert large < 8 * small * 3 + 0.5


def test_quarter_columns_in_a_second_header_row(directory):
    """ "Thời gian thực hiện năm 2025" over a second header row "Quý I | … | Quý IV"."""
    text = "\n".join(
        [
            "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
            "KẾ HOẠCH",
            "Kiểm tra chuyên đề",
            "| STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian thực hiện năm 2025"
            " | | | |",
            "| | | | | Quý I | Quý II | Quý III | Quý IV |",
            "| 1 | Kiểm tra thư viện | Bộ phận Tiểu học | Bộ phận Mầm non | | x | x | |",
            "| 2 | Kiểm tra y tế học đường | Bộ phận Trung học cơ sở | | x | | | |",
        ]
    )
    items = importer.parse_text(text, directory).to_json()["items"]
    assert [(i["number"], i["periods"], i["due"]) for i in items] == [
        ("1", ["2025-Q2", "2025-Q3"], "2025-09-30"),
        ("2", ["2025-Q1"], "2025-03-31"),
    ]


def test_layout_table_ends_where_prose_starts(directory):
    """pdftotext keeps the page's left margin: the table ends at a heading or a paragraph
    that runs across its columns, not at the first line at the margin."""
    text = "\n".join(
        [
            "    KẾ HOẠCH",
            "    Phát triển thư viện năm 2025",
            "",
            "    STT   Nội dung công việc             Đơn vị chủ trì    Thời gian",
            "    1.    Rà soát thư viện các trường    Bộ phận Tiểu      Tháng 4/2025",
            "          tiểu học                       học",
            "    2.    Bổ sung sách tham khảo         Bộ phận THCS      Quý II/2025",
            "",
            "    III. TỔ CHỨC THỰC HIỆN",
            "        Các bộ phận triển khai thực hiện Kế hoạch này, báo cáo kết quả về Phòng",
            "    trước ngày 20/12/2025.",
        ]
    )
    items = importer.parse_text(text, directory).items
    assert [i.number for i in items] == ["1", "2"]
    assert items[0].lead[0].text == "Bộ phận Tiểu học"
    assert "TỔ CHỨC" not in items[1].content and items[1].timeframe_text == "Quý II/2025"


def test_duty_forms_inline_lettered_and_plus_bullets(directory):
    """A duty written after the heading's colon (the heading is the task), lettered
    duties ("2.a"), "+ " bullets with "- " sub-points, in a section "Trách nhiệm của các
    cơ quan, đơn vị"."""
    text = "\n".join(
        [
            "ỦY BAN NHÂN DÂN HUYỆN QUỲNH LƯU",
            "Số: 31/KH-UBND                      Quỳnh Lưu, ngày 02 tháng 4 năm 2025",
            "KẾ HOẠCH",
            "Xây dựng xã hội học tập năm 2025",
            "I. MỤC ĐÍCH",
            "- Nâng cao nhận thức.",
            "II. TRÁCH NHIỆM CỦA CÁC CƠ QUAN, ĐƠN VỊ",
            "1. Phòng Giáo dục và Đào tạo: tham mưu Ủy ban nhân dân huyện sơ kết phong trào.",
            "2. Phòng Văn hóa và Thông tin huyện",
            "a) Tuyên truyền về xã hội học tập trên đài truyền thanh huyện.",
            "b) Phối hợp với Hội Khuyến học huyện tổ chức Tuần lễ học tập suốt đời, hoàn thành"
            " trước ngày 15/10/2025.",
            "3. Hội Khuyến học huyện",
            "+ Vận động xây dựng quỹ khuyến học.",
            "+ Đánh giá các mô hình học tập:",
            "- Gia đình học tập;",
            "- Dòng họ học tập.",
            "Nơi nhận:",
            "- Như trên.",
        ]
    )
    items = importer.parse_text(text, directory).to_json()["items"]
    assert [(i["number"], i["periods"]) for i in items] == [
        ("1", ["2025"]),
        ("2.a", ["2025"]),
        ("2.b", ["2025-10"]),
        ("3.1", ["2025"]),
        ("3.2", ["2025"]),
    ]
    assert items[2]["coordinating"] == ["Hội Khuyến học huyện"]
    assert items[3]["lead"] == ["Hội Khuyến học huyện"]


def test_xlsx_cells_read_as_written(directory):
    """A workbook's numbers stored as 1.0 and dates stored as dates read as a plan writes
    them ("1", "15/01/2025")."""
    import datetime
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH"])
    sheet.append(["Kiểm tra nội bộ năm 2025"])
    sheet.append(["STT", "Nội dung", "Đơn vị chủ trì", "Thời hạn"])
    sheet.append([1.0, "Rà soát hồ sơ", "Bộ phận Tiểu học", datetime.datetime(2025, 1, 15)])
    sheet.append([2, "Tổng kết", "Bộ phận THCS", "Quý IV/2025"])
    buf = io.BytesIO()
    book.save(buf)
    items = importer.parse_file(buf.getvalue(), directory=directory).to_json()["items"]
    assert [(i["number"], i["due"]) for i in items] == [("1", "2025-01-15"), ("2", "2025-12-31")]


def test_bare_quarter_numerals_under_a_quarter_header(directory):
    """A two-row header: "Thời gian thực hiện (Quý) năm 2025" over "I | II | III | IV"."""
    text = "\n".join(
        [
            "KẾ HOẠCH",
            "Kiểm tra chuyên đề",
            "| STT | Nội dung | Đơn vị chủ trì | Thời gian thực hiện (Quý) năm 2025 | | | |",
            "| | | | I | II | III | IV |",
            "| 1 | Kiểm tra thư viện | Bộ phận Tiểu học | | x | x | |",
            "| 2 | Kiểm tra y tế | Bộ phận THCS | x | | | |",
        ]
    )
    items = importer.parse_text(text, directory).to_json()["items"]
    assert [i["periods"] for i in items] == [["2025-Q2", "2025-Q3"], ["2025-Q1"]]


def test_a_duty_gives_its_own_timeframe_in_words():
    """ "trong quý III/2025", "từ tháng 8 đến tháng 12/2025", "hoàn thành trước ngày …";
    "trong năm học tới" names no period."""
    from importer.duties import own_timeframe

    assert own_timeframe("Tổ chức hội thi trong quý III/2025 tại các trường.") == "quý III/2025"
    assert own_timeframe("Khảo sát trong tháng 9, 10 năm 2025.") == "tháng 9, 10 năm 2025"
    assert own_timeframe("Mở lớp từ tháng 8 đến tháng 12/2025.") == "từ tháng 8 đến tháng 12/2025"
    assert own_timeframe("Tổng kết, hoàn thành trước ngày 15/12/2025.") == "trước ngày 15/12/2025"
    assert own_timeframe("Tuyên truyền trong năm học tới.") == ""
    assert own_timeframe("Triển khai trong các trường học.") == ""
