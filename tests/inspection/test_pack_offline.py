"""The inspection pack verified with nothing but the pack (review 2026-12, M1): the real
`python3 kiem-tra.py` runs in the unzipped folder; an intact pack passes, and a pack
tampered in any file (events, index, verifier, signature, key, report, head) fails naming
the first failure. The pure-Python Ed25519 inside the verifier is checked against the
`cryptography` package, on RFC 8032's vectors and on tampered signatures."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from models import AuditEvent, Plan, User, db
from reports.pack_verifier import kiem_tra
from tests.conftest import finish_job
from tests.foundation.helpers import find_task
from tests.foundation.web import login
from workflow import clock, signing
from workflow import tasks as svc

P2417 = "2417/KH-SGDĐT"


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- Ed25519 in the verifier against `cryptography` ---------------------------------


@pytest.mark.parametrize(
    ("seed", "message", "signature"),
    [  # RFC 8032, section 7.1, tests 1 and 2
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ],
)
def test_rfc8032_vectors(seed: str, message: str, signature: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))
    assert key.sign(bytes.fromhex(message)).hex() == signature
    assert kiem_tra.ed25519_verify(
        _raw_public(key), bytes.fromhex(message), bytes.fromhex(signature)
    )


def test_pure_python_ed25519_agrees_with_cryptography() -> None:
    for n in range(12):
        key = Ed25519PrivateKey.generate()
        public = _raw_public(key)
        message = os.urandom(n * 97)
        good = key.sign(message)
        assert kiem_tra.ed25519_verify(public, message, good)
        tampered_message = message + b"\x00"
        assert not kiem_tra.ed25519_verify(public, tampered_message, good)
        for position in (0, 31, 32, 63):  # a bit of R, then of S
            bad = bytearray(good)
            bad[position] ^= 0x01
            assert not kiem_tra.ed25519_verify(public, message, bytes(bad))
        other = _raw_public(Ed25519PrivateKey.generate())
        assert not kiem_tra.ed25519_verify(other, message, good)
        # S + q is the same point but not canonical: RFC 8032 requires refusing it.
        s = int.from_bytes(good[32:], "little") + kiem_tra._Q
        if s < 2**256:
            assert not kiem_tra.ed25519_verify(
                public, message, good[:32] + s.to_bytes(32, "little")
            )
    assert not kiem_tra.ed25519_verify(b"\x00" * 31, b"", b"\x00" * 64)


def test_fingerprint_matches_the_app_s() -> None:
    public = _raw_public(Ed25519PrivateKey.generate())
    assert kiem_tra.fingerprint(public) == signing.fingerprint(public)


# --- The pack, unzipped, verified by the real kiem-tra.py ------------------------------


@pytest.fixture
def signed_app(demo_app, tmp_path):  # noqa: ANN001, ANN201
    demo_app.config["SIGNING_KEY_FILE"] = str(tmp_path / "keys" / "signing.ed25519")
    return demo_app


def _cli(app, *args: str):  # noqa: ANN001, ANN202
    db.session.remove()
    return app.test_cli_runner().invoke(args=list(args))


def _pack(app, tmp_path: Path, *args: str, name: str = "pack") -> Path:  # noqa: ANN001
    out = tmp_path / f"{name}.zip"
    made = _cli(app, "inspection", "pack", *args, "--out", str(out))
    assert made.exit_code == 0, made.output
    folder = tmp_path / name
    zipfile.ZipFile(out).extractall(folder)
    return folder


def _verify(folder: Path, *args: str, python: tuple[str, ...] = ("python3",)):  # noqa: ANN202
    # No PYTHONPATH, no virtualenv: what an inspector's machine has.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return subprocess.run(
        [*python, "kiem-tra.py", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _conclusion(run) -> str:  # noqa: ANN001
    return run.stdout.strip().splitlines()[-1]


def _live_event(app) -> None:  # noqa: ANN001
    """An event written now, with microseconds in its time (the review could not recompute
    those from the CSV)."""
    clock.freeze(None)
    member = db.session.execute(sa.select(User).where(User.username == "gdtx.member")).scalar_one()
    svc.start_task(find_task(P2417, "3.2").id, member, expected_version=None)


def test_intact_pack_verifies_offline_with_the_standard_library_alone(signed_app, tmp_path):
    _live_event(signed_app)
    folder = _pack(signed_app, tmp_path, "--plan", P2417, "--from", "2024-01-01")
    events = (folder / "su-kien.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(events[0]) == {"seq": 0, "hash": "0" * 64}
    last = json.loads(events[-1])
    assert not last["occurred_at"].endswith(".000000")  # microseconds, UTC, as hashed
    assert {"prev_hash", "on_behalf_of_id", "client_addr", "hash"} <= set(last)
    head = json.loads((folder / "dau-chuoi.json").read_text())
    assert (head["seq"], head["hash"]) == (last["seq"], last["hash"])
    assert head["hash"] in (folder / "DOC-TRUOC.txt").read_text(encoding="utf-8")
    assert head["hash"] in (folder / "kiem-tra-chuoi.txt").read_text(encoding="utf-8")
    assert "SHA-256" in (folder / "HUONG-DAN-KIEM-TRA.txt").read_text(encoding="utf-8")

    run = _verify(folder)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _conclusion(run).startswith("KẾT LUẬN: ĐẠT")
    fingerprint = signing.fingerprint(signing.public_key_bytes())
    assert fingerprint in run.stdout
    # -S: no site-packages at all, so nothing beyond the standard library can be imported.
    isolated = _verify(folder, "--khoa", fingerprint, python=("python3", "-S"))
    assert isolated.returncode == 0, isolated.stdout + isolated.stderr


def test_partial_pack_links_through_the_hash_of_the_event_before_it(signed_app, tmp_path):
    before = db.session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar_one()
    clock.freeze(datetime(2027, 1, 5, 2, 0, 0, 123456))  # one event in a later period
    member = db.session.execute(sa.select(User).where(User.username == "gdtx.member")).scalar_one()
    svc.start_task(find_task(P2417, "3.2").id, member, expected_version=None)
    folder = _pack(
        signed_app, tmp_path, "--unit", "GDTX", "--from", "2027-01-01", "--to", "2027-01-31"
    )
    first = json.loads((folder / "su-kien.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"seq", "hash"} and first["seq"] == before
    stored = db.session.execute(
        sa.select(AuditEvent.hash).where(AuditEvent.seq == first["seq"])
    ).scalar_one()
    assert first["hash"] == stored
    run = _verify(folder)
    assert run.returncode == 0, run.stdout
    assert f"nối với sự kiện số {first['seq']} trước phạm vi" in run.stdout


def _last_whole_event(lines: list[str]) -> int:
    """The index of the last event the pack carries whole (the plan's own)."""
    return max(i for i, line in enumerate(lines) if '"action"' in line)


def _edit_event_line(folder: Path) -> None:
    path = folder / "su-kien.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = _last_whole_event(lines)
    event = json.loads(lines[at])
    event["actor_name"] = "Người khác"
    lines[at] = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _reindex(folder: Path) -> None:
    """What a forger does next: recompute every hash in the index (the signature stays)."""
    index = folder / "muc-luc.sha256"
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        _digest, _, name = line.partition("  ")
        out.append(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}")
    index.write_text("\n".join(out) + "\n", encoding="utf-8")


def _append(name: str, data: bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        with open(folder / name, "ab") as f:
            f.write(data)

    return change


def _flip_signature(folder: Path) -> None:
    path = folder / "chu-ky.ed25519"
    text = path.read_text().strip()
    path.write_text(("1" if text[0] != "1" else "2") + text[1:] + "\n")


def _other_key(folder: Path) -> None:
    path = folder / "khoa-cong-khai.txt"
    other = _raw_public(Ed25519PrivateKey.generate()).hex()
    text = path.read_text(encoding="utf-8")
    current = next(line for line in text.splitlines() if line.startswith("ed25519 "))
    path.write_text(text.replace(current, f"ed25519 {other}"), encoding="utf-8")


def _year_end_report(folder: Path) -> None:
    report = next(folder.glob("bao-cao-nam/*.docx"))
    report.write_bytes(report.read_bytes() + b"\0")


def _head(folder: Path) -> None:
    path = folder / "dau-chuoi.json"
    head = json.loads(path.read_text())
    path.write_text(json.dumps({**head, "seq": head["seq"] - 1}) + "\n")


def _index_line(folder: Path) -> None:
    path = folder / "muc-luc.sha256"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = ("f" if lines[0][0] != "f" else "e") + lines[0][1:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _delete_export(folder: Path) -> None:
    (folder / "nhat-ky" / "nhat-ky.csv").unlink()


def _events_then_index(folder: Path) -> None:
    _edit_event_line(folder)
    _reindex(folder)


TAMPERING = {
    "events": (_edit_event_line, "tệp su-kien.jsonl đã bị sửa"),
    "events and index": (_events_then_index, "chữ ký của muc-luc.sha256 KHÔNG hợp lệ"),
    "index": (_index_line, "chữ ký của muc-luc.sha256 KHÔNG hợp lệ"),
    "verifier": (_append("kiem-tra.py", b"# \xc4\x91\xc3\xa3 s\xe1\xbb\xada\n"), "kiem-tra.py"),
    "signature": (_flip_signature, "chữ ký của muc-luc.sha256 KHÔNG hợp lệ"),
    "public key": (_other_key, "chữ ký của muc-luc.sha256 KHÔNG hợp lệ"),
    "year-end report": (_year_end_report, ".docx đã bị sửa"),
    "human index": (_append("muc-luc.csv", b"x,y,z\r\n"), "tệp muc-luc.csv đã bị sửa"),
    "head": (_head, "tệp dau-chuoi.json đã bị sửa"),
    "deleted export": (_delete_export, "thiếu tệp nhat-ky/nhat-ky.csv"),
}


def test_a_pack_tampered_in_any_file_fails_its_own_verification(signed_app, tmp_path):
    pristine = _pack(signed_app, tmp_path, "--plan", P2417, "--from", "2024-01-01")
    assert _verify(pristine).returncode == 0
    for name, (change, expected) in TAMPERING.items():
        folder = tmp_path / f"t-{name.replace(' ', '-')}"
        shutil.copytree(pristine, folder)
        change(folder)
        run = _verify(folder)
        assert run.returncode == 1, f"{name}: {run.stdout}"
        conclusion = _conclusion(run)
        assert conclusion.startswith("KẾT LUẬN: KHÔNG ĐẠT"), f"{name}: {run.stdout}"
        assert expected in conclusion, f"{name}: {conclusion}"
    # The edited event is also named by the chain check, not only by the file's hash.
    folder = tmp_path / "t-events"
    events = (folder / "su-kien.jsonl").read_text(encoding="utf-8").splitlines()
    seq = json.loads(events[_last_whole_event(events)])["seq"]
    assert f"sự kiện số {seq}: nội dung đã bị sửa" in _verify(folder).stdout


def test_a_pack_forged_and_resigned_with_another_key_fails_on_the_published_fingerprint(
    signed_app, tmp_path
):
    """Everything rewritten consistently and re-signed: only the fingerprint published
    outside the pack (audit page, README, anchor mail) gives it away."""
    folder = _pack(signed_app, tmp_path, "--from", "2024-01-01")  # every event whole
    published = signing.fingerprint(signing.public_key_bytes())
    path = folder / "su-kien.jsonl"
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    lines[-3]["actor_name"] = "Người khác"
    prev = lines[-4]["hash"]
    for event in lines[-3:]:
        event["prev_hash"] = prev
        fields = {k: v for k, v in event.items() if k != "hash"}
        event["hash"] = prev = kiem_tra.event_hash(fields)
    path.write_text(
        "".join(
            json.dumps(e, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
            for e in lines
        ),
        encoding="utf-8",
    )
    head = json.loads((folder / "dau-chuoi.json").read_text())
    (folder / "dau-chuoi.json").write_text(json.dumps({**head, "hash": prev}) + "\n")
    forger = Ed25519PrivateKey.generate()
    key_file = folder / "khoa-cong-khai.txt"
    key_text = key_file.read_text(encoding="utf-8")
    current = next(line for line in key_text.splitlines() if line.startswith("ed25519 "))
    key_file.write_text(
        key_text.replace(current, f"ed25519 {_raw_public(forger).hex()}"), encoding="utf-8"
    )
    _reindex(folder)
    (folder / "chu-ky.ed25519").write_text(
        forger.sign((folder / "muc-luc.sha256").read_bytes()).hex() + "\n"
    )
    run = _verify(folder, "--khoa", published)
    assert run.returncode == 1
    assert "dấu vân tay KHÁC dấu vân tay đã công bố" in _conclusion(run)
    anchors = tmp_path / "moc.jsonl"
    anchors.write_text(json.dumps(head) + "\n")
    run = _verify(folder, "--moc", str(anchors))
    assert run.returncode == 1
    assert f"sự kiện số {head['seq']} khác mốc đã công bố" in _conclusion(run)


def test_pack_command_refuses_bad_input_in_vietnamese(signed_app, tmp_path):
    out = tmp_path / "x.zip"
    for args, message in [
        (["--plan", "9999/KH-KHONG"], "Không có kế hoạch số «9999/KH-KHONG»"),
        (["--unit", "KHONG-CO"], "Không có đơn vị mã «KHONG-CO»"),
        (["--from", "31/02/2024"], "không phải ngày dạng YYYY-MM-DD"),
        (["--from", "2024-12-31", "--to", "2024-01-01"], "--from phải trước"),
    ]:
        result = _cli(signed_app, "inspection", "pack", *args, "--out", str(out))
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert not out.exists()


def test_the_signing_key_is_generated_once_and_private(signed_app):
    first = signing.public_key_bytes()
    assert signing.public_key_bytes() == first
    mode = os.stat(signing.key_path()).st_mode & 0o777
    assert mode == 0o600


def test_a_plan_pack_carries_other_plans_events_by_their_hashes_only(signed_app, tmp_path):
    """A coordinator may download the plan's pack: other plans' events and logins (client
    addresses) must not be in it, yet the chain still links through them."""
    folder = _pack(signed_app, tmp_path, "--plan", P2417, "--from", "2024-01-01")
    plan = db.session.execute(sa.select(Plan.id).where(Plan.number == P2417)).scalar_one()
    lines = [json.loads(x) for x in (folder / "su-kien.jsonl").read_text("utf-8").splitlines()]
    whole = [e for e in lines[1:] if "action" in e]
    hashed_only = [e for e in lines[1:] if "action" not in e]
    assert whole and hashed_only
    assert all(e["plan_id"] == plan for e in whole)
    assert all(set(e) == {"seq", "prev_hash", "hash"} for e in hashed_only)
    run = _verify(folder)
    assert run.returncode == 0, run.stdout
    assert f"{len(hashed_only)} sự kiện của kế hoạch, đơn vị khác chỉ có mã băm" in run.stdout


def test_the_pack_the_web_page_offers_verifies_offline(signed_app, tmp_path, queue_worker):
    web = signed_app.test_client()
    login(web, "sgddt.inspector")
    plan = db.session.execute(sa.select(Plan.id).where(Plan.number == P2417)).scalar_one()
    response = finish_job(web, queue_worker, web.get(f"/plans/{plan}/inspection-pack.zip"))
    assert response.status_code == 200
    folder = tmp_path / "web"
    zipfile.ZipFile(io.BytesIO(response.data)).extractall(folder)
    run = _verify(folder, "--khoa", signing.fingerprint(signing.public_key_bytes()))
    assert run.returncode == 0, run.stdout
