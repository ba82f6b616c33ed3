"""Anchors outside the database (review 2026-12, M1): the chain head mailed daily to the
inspectorate catches a chain that was rewritten and re-hashed, which `audit verify` alone
cannot see; the mail goes through the real outbox to a real SMTP server, once a day."""

from __future__ import annotations

import json
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import AuditEvent, AuditVerification, OutboxMessage, User, db
from notifications import jobs as scheduler_jobs
from notifications.anchor_mail import ANCHOR_EVENT, queue_anchor_mail
from notifications.policy import load_policy
from reports.pack_verifier import verifier_sha256
from tests.foundation.chain_rewrite import cut_tail, rewrite_and_rehash
from tests.foundation.helpers import find_task
from tests.foundation.web import login
from tests.notifications.conftest import Smtp, at
from workflow import signing, task_reports
from workflow import tasks as svc
from workflow.anchors import current_anchor

INSPECTORATE = "thanh-tra@sgddt.test"
P2417 = "2417/KH-SGDĐT"


@pytest.fixture
def inspected(demo_app, tmp_path):  # noqa: ANN001, ANN201
    demo_app.config["AUDIT_ANCHOR_MAIL_TO"] = INSPECTORATE
    demo_app.config["SIGNING_KEY_FILE"] = str(tmp_path / "keys" / "signing.ed25519")
    server = Smtp(demo_app).start()
    yield demo_app, server
    server.stop()


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _cli(app, *args: str):  # noqa: ANN001, ANN202
    db.session.remove()  # the command runs in its own session, as from a shell
    return app.test_cli_runner().invoke(args=list(args))


def _mail_anchor(day: date, server: Smtp) -> str:
    """Queue and send the day's anchor mail; return the anchor line the inspectorate got."""
    at(day, 0, 17)
    assert queue_anchor_mail() == 1
    scheduler_jobs.run_sending(load_policy())
    mail = [m for m in server.received if f"{day:%d/%m/%Y}" in m.subject][-1]
    assert mail.recipients == [INSPECTORATE]
    body = mail.text()
    return next(line for line in body.splitlines() if line.startswith('{"seq"'))


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_audit_anchor_prints_the_head_as_one_line_of_json(demo_app):
    out = _cli(demo_app, "audit", "anchor")
    assert out.exit_code == 0, out.output
    line = out.output.strip()
    assert "\n" not in line
    anchor = json.loads(line)
    head = current_anchor()
    assert set(anchor) == {"seq", "hash", "time"}
    assert (anchor["seq"], anchor["hash"]) == (head.seq, head.hash) and head.seq > 200
    assert anchor["time"].endswith("Z")


def test_daily_anchor_catches_rewrite_and_rehash_and_names_the_event(inspected, tmp_path):
    app, server = inspected
    member = _user("gdtx.member")
    day1 = _mail_anchor(date(2026, 11, 30), server)

    # One event a day, and each day's anchor mailed the next night.
    at(date(2026, 12, 1), 9, 0)
    svc.start_task(find_task(P2417, "3.2").id, member, expected_version=None)
    day2 = _mail_anchor(date(2026, 12, 1), server)
    at(date(2026, 12, 2), 9, 0)
    task_reports.submit_report(
        find_task(P2417, "3.2").id,
        member,
        expected_version=None,
        text="Đã đăng 48 tin bài tuyên truyền.",
    )
    day3 = _mail_anchor(date(2026, 12, 2), server)
    at(date(2026, 12, 3), 9, 0)
    svc.start_task(find_task(P2417, "1.2").id, member, expected_version=None)
    day4 = _mail_anchor(date(2026, 12, 3), server)
    lines = [day1, day2, day3, day4]
    first = json.loads(day1)["seq"]
    assert [json.loads(x)["seq"] for x in lines] == [first, first + 1, first + 2, first + 3]
    anchors = _write(tmp_path / "moc.jsonl", lines)
    assert _cli(app, "audit", "verify", "--anchors", str(anchors)).exit_code == 0

    # The review's attack on the report of 02/12: "48 tin" becomes "480 tin", re-hashed.
    target = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.seq == first + 2)
    ).scalar_one()
    text = json.dumps(target.after, ensure_ascii=False)
    assert target.action == "task.report" and "48 tin" in text
    target_seq = target.seq
    rewrite_and_rehash(target_seq, json.loads(text.replace("48 tin", "480 tin")))

    plain = _cli(app, "audit", "verify", "--full")
    assert plain.exit_code == 0, plain.output  # the rewrite is consistent: this is the hole
    assert "Nhật ký nguyên vẹn" in plain.output

    caught = _cli(app, "audit", "verify", "--full", "--anchors", str(anchors))
    assert caught.exit_code == 1, caught.output
    assert "KHÔNG khớp mốc đã công bố" in caught.output
    assert f"Sự kiện khác đầu tiên: số {target_seq}." in caught.output
    assert "dòng 3 của tệp mốc" in caught.output  # the anchors of the days before hold


def test_an_old_rewrite_is_caught_by_one_mailed_anchor_and_named_by_an_old_pack(
    inspected, tmp_path
):
    """The review's own case: an event deep in the demo (a report) rewritten after a day's
    anchor was mailed and after an inspection pack was cut."""
    app, server = inspected
    line = _mail_anchor(date(2026, 12, 1), server)
    old_pack = tmp_path / "truoc.zip"
    made = _cli(app, "inspection", "pack", "--from", "2024-01-01", "--out", str(old_pack))
    assert made.exit_code == 0, made.output
    old_events = tmp_path / "su-kien-truoc.jsonl"
    old_events.write_bytes(zipfile.ZipFile(old_pack).read("su-kien.jsonl"))

    anchor_seq = json.loads(line)["seq"]
    target_seq = anchor_seq - 20  # the 20 events after it are re-hashed too
    target = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.seq == target_seq)
    ).scalar_one()
    rewrite_and_rehash(target_seq, {**(target.after or {}), "ghi_chu": "sửa sau"})
    assert _cli(app, "audit", "verify", "--full").exit_code == 0

    mailed = _write(tmp_path / "moc.jsonl", [line])
    caught = _cli(app, "audit", "verify", "--anchors", str(mailed))
    assert caught.exit_code == 1
    assert f"mốc ghi sự kiện số {anchor_seq}" in caught.output
    assert f"khoảng số 1–{anchor_seq}" in caught.output

    exact = _cli(app, "audit", "verify", "--anchors", str(old_events))
    assert exact.exit_code == 1
    assert f"Sự kiện khác đầu tiên: số {target_seq}." in exact.output

    # A pack cut now is signed by the installation (it signs what the database holds), so
    # it verifies on its own; against the mailed anchor it does not.
    new_pack = tmp_path / "sau.zip"
    assert _cli(app, "inspection", "pack", "--out", str(new_pack)).exit_code == 0
    folder = tmp_path / "sau"
    zipfile.ZipFile(new_pack).extractall(folder)
    run = subprocess.run(
        ["python3", "kiem-tra.py"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout
    run = subprocess.run(
        ["python3", "kiem-tra.py", "--moc", str(mailed)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    assert f"sự kiện số {anchor_seq} khác mốc đã công bố" in run.stdout


def test_a_cut_tail_is_caught_by_the_anchor(inspected, tmp_path):
    app, server = inspected
    line = _mail_anchor(date(2026, 12, 1), server)
    seq = json.loads(line)["seq"]
    cut_tail(seq - 3)
    assert _cli(app, "audit", "verify", "--full").exit_code == 0
    caught = _cli(app, "audit", "verify", "--anchors", str(_write(tmp_path / "m", [line])))
    assert caught.exit_code == 1
    assert "không còn sự kiện này" in caught.output


def test_anchor_mail_goes_once_a_day_through_the_scheduler_job(inspected, monkeypatch):
    app, server = inspected
    monkeypatch.setattr(scheduler_jobs, "_app", app)
    at(date(2026, 12, 1), 0, 17)
    scheduler_jobs.anchor_job()
    at(date(2026, 12, 1), 13, 17)
    scheduler_jobs.anchor_job()  # the hourly trigger again: nothing new that day
    at(date(2026, 12, 2), 0, 17)
    scheduler_jobs.anchor_job()
    rows = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.event == ANCHOR_EVENT)
    ).scalars()
    assert sorted(r.planned_for for r in rows) == [date(2026, 12, 1), date(2026, 12, 2)]
    scheduler_jobs.run_sending(load_policy())
    scheduler_jobs.run_sending(load_policy())
    anchors = [m for m in server.received if "Mốc nhật ký PlanWork" in m.subject]
    assert len(anchors) == 2 and all(m.recipients == [INSPECTORATE] for m in anchors)

    app.config["AUDIT_ANCHOR_MAIL_TO"] = ""
    at(date(2026, 12, 3), 0, 17)
    assert queue_anchor_mail() == 0


def test_a_malformed_anchor_file_is_refused_and_changes_nothing(demo_app, tmp_path):
    before = db.session.execute(sa.select(sa.func.count(AuditVerification.id))).scalar_one()
    bad = _write(tmp_path / "moc.jsonl", [current_anchor().to_json(), "{seq: 1}"])
    out = _cli(demo_app, "audit", "verify", "--anchors", str(bad))
    assert out.exit_code == 2
    assert "Dòng 2 của tệp mốc không hợp lệ" in out.output
    after = db.session.execute(sa.select(sa.func.count(AuditVerification.id))).scalar_one()
    assert after == before


def test_audit_page_and_verify_show_the_anchor_and_the_signing_key(demo_app, tmp_path):
    demo_app.config["SIGNING_KEY_FILE"] = str(tmp_path / "keys" / "signing.ed25519")
    head = current_anchor()
    verified = _cli(demo_app, "audit", "verify")
    assert verified.exit_code == 0
    assert f'"seq": {head.seq}, "hash": "{head.hash}"' in verified.output
    web = demo_app.test_client()
    login(web, "sgddt.inspector")
    page = web.get("/audit").get_data(as_text=True)
    head = current_anchor()  # the login was recorded: the head moved on
    assert head.hash in page and f"<strong>{head.seq}</strong>" in page
    assert signing.fingerprint(signing.public_key_bytes()) in page
    assert signing.public_key_bytes().hex() in page
    assert verifier_sha256() in page
    key = _cli(demo_app, "audit", "key")
    assert key.exit_code == 0
    assert signing.fingerprint(signing.public_key_bytes()) in key.output
