"""A generated city directory (the Sở, its offices, 22 district offices, ~2,270 schools)."""

from __future__ import annotations

import csv
import io

HEADER = ["Mã", "Tên đơn vị", "Loại", "Mã cấp trên", "Email"]
DISTRICTS = 22
SCHOOLS_PER_DISTRICT = 103
DEPARTMENTS = 10


def city_rows() -> list[list[str]]:
    """Rows of a directory file: about 2,300 units with official-looking school codes."""
    rows = [["S79", "Sở Giáo dục và Đào tạo thử nghiệm", "Sở", "", "so@example.vn"]]
    for d in range(1, DEPARTMENTS + 1):
        rows.append([f"S79-P{d:02d}", f"Phòng chuyên môn thử nghiệm số {d}", "Phòng", "S79", ""])
    for d in range(1, DISTRICTS + 1):
        district = f"PGD79-{d:02d}"
        rows.append(
            [
                district,
                f"Phòng Giáo dục và Đào tạo khu vực thử nghiệm {d}",
                "Phòng GD&ĐT",
                "S79",
                "",
            ]
        )
        for s in range(1, SCHOOLS_PER_DISTRICT + 1):
            # Official school codes: province 79, district, school number (8 digits).
            rows.append(
                [f"79{d:03d}{s:03d}", f"Trường thử nghiệm {s} khu vực {d}", "Trường", district, ""]
            )
    return rows


def to_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    """The rows as a UTF-8 CSV file with its header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
