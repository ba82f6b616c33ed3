"""Every bad input gets its Vietnamese message (HTTP 400 on the page, exit 2 on the CLI)
and leaves the database — plans, tasks, audit events, aliases — as it was."""

from __future__ import annotations

import io
import warnings

import pytest

from tests.conftest import job_id_of
from tests.importer.test_bad_input import _encrypted_pdf, _image_only_pdf, _zip_bomb_docx

from .helpers import counts, csrf, login


def _build(builder):  # noqa: ANN001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return builder()


BAD = [
    ("empty", lambda: b"", "Tệp rỗng: không có nội dung để nhập."),
    ("wrong-type", lambda: b"GIF89a" + b"\0" * 200, "Ảnh GIF, TIFF hoặc BMP chưa được hỗ trợ"),
    ("broken-image", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "Tệp ảnh bị hỏng"),
    ("old-word", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200, "Tệp Word cũ (.doc)"),
    ("binary-garbage", lambda: bytes(range(256)) * 40, "dữ liệu nhị phân"),
    ("encrypted-pdf", lambda: _build(_encrypted_pdf), "Tệp PDF được đặt mật khẩu"),
    ("scanned-pdf", lambda: _build(_image_only_pdf), "Không nhận dạng được chữ nào"),
    ("oversize", lambda: b"Ke hoach so 1/KH-ABC\n" * 2000, "Tệp quá lớn"),
    ("docx-zip-bomb", lambda: _build(_zip_bomb_docx), "nghi là “bom nén”"),
    ("no-items", lambda: "KẾ HOẠCH\nSố: 9/KH-ABC\nVề việc thử".encode(), "Không tìm thấy nhiệm vụ"),
]


# Refused by the upload request itself (no parsing needed); the rest by the parsing job.
INLINE = ("empty", "oversize")


@pytest.mark.parametrize("case, build, message", BAD, ids=[c[0] for c in BAD])
def test_bad_upload_shows_its_message_and_changes_nothing(
    web, import_app, tmp_path, queue_worker, case, build, message
):
    if case == "oversize":
        import_app.config["IMPORT_MAX_BYTES"] = 30_000
    data = build()
    login(web, "gdtx.coordinator")
    page = web.get("/imports/new").get_data(as_text=True)
    before = counts()
    response = web.post(
        "/imports/new",
        data={"csrf_token": csrf(page), "document": (io.BytesIO(data), f"{case}.docx")},
        content_type="multipart/form-data",
    )
    if case in INLINE:
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert counts() == before
    else:
        job = queue_worker.wait(job_id_of(response))
        assert job.state == "failed" and message in job.message
        html = web.get(f"/jobs/{job.id}").get_data(as_text=True)
        # Only the job's audit event ("who asked for what") was written.
        assert counts() == {**before, "audit_events": before["audit_events"] + 1}
    assert message in html
    assert 'class="flash error" role="alert"' in html
    assert not list((tmp_path / "imports").glob("*.json"))  # no draft kept either


def test_no_file_chosen(web, import_app):
    login(web, "gdtx.coordinator")
    page = web.get("/imports/new").get_data(as_text=True)
    response = web.post("/imports/new", data={"csrf_token": csrf(page)})
    assert response.status_code == 400
    assert "Hãy chọn tệp kế hoạch" in response.get_data(as_text=True)


CLI_BAD = [c for c in BAD if c[0] != "no-items"]  # a plan without items still parses


@pytest.mark.parametrize("case, build, message", CLI_BAD, ids=[c[0] for c in CLI_BAD])
def test_bad_file_on_the_cli_exits_2_with_the_message(import_app, tmp_path, case, build, message):
    from importer.extract import DEFAULT_MAX_BYTES

    data = build()
    if case == "oversize":
        data = b"x" * (DEFAULT_MAX_BYTES + 1)
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(data)
    before = counts()
    runner = import_app.test_cli_runner()
    for args in (
        ["parse", str(path)],
        ["import", str(path), "--user", "gdtx.coordinator", "--yes"],
    ):
        result = runner.invoke(args=["plans", *args])
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert result.stdout == ""
    assert counts() == before
