#!/usr/bin/env python3
"""Kiểm tra hồ sơ kiểm tra PlanWork mà không cần gì ngoài chính hồ sơ.

Chạy trong thư mục đã giải nén:  python3 kiem-tra.py
Tuỳ chọn:
  --khoa "<dấu vân tay>"   so dấu vân tay khoá công khai với dấu vân tay đã công bố;
  --moc TỆP                so chuỗi với các mốc đầu chuỗi đã công bố trước đây (mỗi dòng
                           một đối tượng JSON có "seq" và "hash", như thư gửi thanh tra).
Mã thoát: 0 = hồ sơ nguyên vẹn; 1 = có lỗi (lỗi đầu tiên được nêu tên); 2 = dùng sai lệnh.

Only Python's standard library is used (an inspector's machine has nothing else), and
Ed25519 verification is the reference algorithm of RFC 8032, section 6. This file is the
same in every pack, and its SHA-256 is in the signed index like every other file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

INDEX = "muc-luc.sha256"
SIGNATURE = "chu-ky.ed25519"
PUBLIC_KEY = "khoa-cong-khai.txt"
EVENTS = "su-kien.jsonl"
HEAD = "dau-chuoi.json"
GENESIS = "0" * 64

# --- Ed25519 verification (RFC 8032, section 6) -------------------------------------

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _inv(x: int) -> int:
    return pow(x, _P - 2, _P)


def _add(a: tuple, b: tuple) -> tuple:
    # Extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z.
    e1 = (a[1] - a[0]) * (b[1] - b[0]) % _P
    e2 = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, point: tuple) -> tuple:
    result = (0, 1, 1, 0)  # the neutral element
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a: tuple, b: tuple) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * _inv(_D * y * y + 1) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data: bytes) -> tuple | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_GY = 4 * _inv(5) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is a valid Ed25519 signature of `message` under `public`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little")
    return _equal(_mul(s, _G), _add(r, _mul(h % _Q, a)))


def fingerprint(public: bytes) -> str:
    """SHA-256 of the raw public key in groups of four hex digits."""
    digest = hashlib.sha256(public).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


# --- The audit chain ------------------------------------------------------------------


def event_hash(fields: dict) -> str:
    """The hash PlanWork gives an event: SHA-256 of its canonical JSON (keys sorted, no
    spaces, UTF-8 unescaped), every field but `hash` itself, `prev_hash` included."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Checker:
    """Runs the checks in order, prints each, and keeps the first failure."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.first_failure: str | None = None

    def path(self, name: str) -> str:
        return os.path.join(self.folder, *name.split("/"))

    def read(self, name: str) -> bytes | None:
        try:
            with open(self.path(name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def ok(self, text: str) -> None:
        print(f"  ĐẠT   {text}")

    def fail(self, text: str) -> None:
        print(f"  LỖI   {text}")
        if self.first_failure is None:
            self.first_failure = text

    def warn(self, text: str) -> None:
        print(f"  LƯU Ý {text}")


def file_sha256(path: str) -> str | None:
    """SHA-256 of a file read in chunks (None if it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def check_signature(c: Checker, expected_fingerprint: str | None) -> None:
    print("1. Chữ ký Ed25519 của mục lục")
    key_text = c.read(PUBLIC_KEY)
    index = c.read(INDEX)
    signature_text = c.read(SIGNATURE)
    public = None
    for line in (key_text or b"").decode("utf-8", "replace").splitlines():
        if line.startswith("ed25519 "):
            try:
                public = bytes.fromhex(line.split()[1])
            except (ValueError, IndexError):
                public = None
    if public is None or len(public) != 32:
        c.fail(f"không đọc được khoá công khai trong {PUBLIC_KEY}")
        return
    print(f"        Dấu vân tay khoá công khai: {fingerprint(public)}")
    if expected_fingerprint is not None:
        given = "".join(expected_fingerprint.split()).lower()
        if given == hashlib.sha256(public).hexdigest():
            c.ok("dấu vân tay trùng với dấu vân tay đã công bố")
        else:
            c.fail("dấu vân tay KHÁC dấu vân tay đã công bố: hồ sơ không do hệ thống này ký")
    else:
        c.warn("hãy so dấu vân tay trên với dấu vân tay công bố trên trang Nhật ký kiểm tra")
    if index is None:
        c.fail(f"thiếu tệp mục lục {INDEX}")
        return
    try:
        signature = bytes.fromhex((signature_text or b"").decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        signature = b""
    if len(signature) != 64:
        c.fail(f"tệp chữ ký {SIGNATURE} bị thiếu hoặc hỏng")
        return
    if ed25519_verify(public, index, signature):
        c.ok(f"chữ ký của {INDEX} hợp lệ")
    else:
        c.fail(f"chữ ký của {INDEX} KHÔNG hợp lệ: mục lục hoặc chữ ký đã bị sửa")


def check_files(c: Checker) -> None:
    print("2. Mã SHA-256 của từng tệp theo mục lục")
    index = c.read(INDEX)
    if index is None:
        c.fail(f"thiếu tệp mục lục {INDEX}")
        return
    listed = set()
    failures = 0
    for number, line in enumerate(index.decode("utf-8", "replace").splitlines(), 1):
        digest, _, name = line.partition("  ")
        parts = name.split("/")
        if not name or name.startswith("/") or ".." in parts or len(digest) != 64:
            c.fail(f"dòng {number} của {INDEX} không hợp lệ")
            failures += 1
            continue
        listed.add(name)
        actual = file_sha256(c.path(name))
        if actual is None:
            c.fail(f"thiếu tệp {name}")
            failures += 1
        elif actual != digest:
            c.fail(f"tệp {name} đã bị sửa (mã SHA-256 không khớp mục lục)")
            failures += 1
    for required in ("kiem-tra.py", PUBLIC_KEY, EVENTS, HEAD):
        if required not in listed:
            c.fail(f"mục lục không ghi tệp {required}")
            failures += 1
    if not failures:
        c.ok(f"{len(listed)} tệp khớp mục lục")
    for root, _dirs, files in os.walk(c.folder):
        for file in files:
            name = os.path.relpath(os.path.join(root, file), c.folder).replace(os.sep, "/")
            if name not in listed and name not in (INDEX, SIGNATURE):
                c.warn(f"tệp {name} không thuộc hồ sơ (không có trong mục lục)")


class Chain:
    """What the chain check leaves for the next checks (streamed: a year of a city's trail
    is about a million lines, so only seq and hash are kept, and only for --moc)."""

    def __init__(self, keep_hashes: bool) -> None:
        self.last: tuple[int, str] | None = None
        self.hashes: dict[int, str] | None = {} if keep_hashes else None

    def add(self, seq: int, digest: str) -> None:
        self.last = (seq, digest)
        if self.hashes is not None:
            self.hashes[seq] = digest


class BadEvents(Exception):
    """su-kien.jsonl is missing or has a line that is not an event."""


def _events(c: Checker):  # noqa: ANN202 (a generator of (line number, event))
    try:
        f = open(c.path(EVENTS), encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError:
        raise BadEvents(f"thiếu tệp {EVENTS}") from None
    with f:
        for number, line in enumerate(f, 1):
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("seq"), int):
                    raise ValueError
            except ValueError:
                raise BadEvents(
                    f"dòng {number} của {EVENTS} không phải một sự kiện JSON hợp lệ"
                ) from None
            yield number, item


def check_chain(c: Checker, keep_hashes: bool) -> Chain | None:
    print("3. Chuỗi băm của nhật ký (su-kien.jsonl)")
    try:
        return _walk(c, Chain(keep_hashes))
    except BadEvents as error:
        c.fail(str(error))
        return None


def _walk(c: Checker, chain: Chain) -> Chain | None:
    events = _events(c)
    first = next(events, None)
    if first is None:
        c.fail(f"{EVENTS} rỗng")
        return None
    before = first[1]
    if set(before) != {"seq", "hash"}:
        c.fail(f"dòng đầu của {EVENTS} phải là mã băm của sự kiện ngay trước phạm vi hồ sơ")
        return None
    prev_seq, prev_hash = before["seq"], before["hash"]
    if prev_seq == 0 and prev_hash != GENESIS:
        c.fail("sự kiện số 0 (gốc chuỗi) phải có mã băm toàn số 0")
        return None
    chain.add(prev_seq, prev_hash)
    count = withheld = 0
    for _number, event in events:
        seq = event["seq"]
        if seq != prev_seq + 1:
            c.fail(f"sự kiện số {seq}: thiếu sự kiện số {prev_seq + 1} (bị xoá?)")
            return None
        stored = event.pop("hash", None)
        if not isinstance(stored, str) or len(stored) != 64:
            c.fail(f"sự kiện số {seq}: thiếu mã băm")
            return None
        if event.get("prev_hash") != prev_hash:
            c.fail(f"sự kiện số {seq}: liên kết với sự kiện trước bị đứt (chèn hoặc sửa)")
            return None
        if set(event) == {"seq", "prev_hash"}:
            withheld += 1  # another plan's or unit's event: its content is not in the pack
        elif event_hash(event) != stored:
            c.fail(f"sự kiện số {seq}: nội dung đã bị sửa sau khi ghi (mã băm không khớp)")
            return None
        prev_seq, prev_hash = seq, stored
        chain.add(seq, stored)
        count += 1
    if before["seq"] == 0:
        origin = "bắt đầu từ gốc chuỗi"
    else:
        origin = f"nối với sự kiện số {before['seq']} trước phạm vi, đại diện bằng mã băm"
    c.ok(
        f"{count} sự kiện (số {before['seq'] + 1}–{prev_seq}) liên kết đúng, "
        f"{count - withheld} sự kiện đầy đủ khớp mã băm; {origin}"
    )
    if withheld:
        c.warn(
            f"{withheld} sự kiện của kế hoạch, đơn vị khác chỉ có mã băm (không có nội dung "
            "trong hồ sơ): nội dung của chúng không kiểm tra được ở đây"
        )
    return chain


def check_head(c: Checker, chain: Chain) -> None:
    print("4. Đầu chuỗi (dau-chuoi.json)")
    data = c.read(HEAD)
    try:
        head = json.loads(data or b"")
        seq, digest = head["seq"], head["hash"]
    except (ValueError, KeyError, TypeError):
        c.fail(f"không đọc được {HEAD}")
        return
    if chain.last == (seq, digest):
        c.ok(f"chuỗi kết thúc đúng ở đầu chuỗi: sự kiện số {seq}, mã băm {digest}")
    else:
        c.fail(f"sự kiện cuối của {EVENTS} không phải đầu chuỗi ghi trong {HEAD} (số {seq})")


def check_anchors(c: Checker, chain: Chain, anchors_file: str) -> None:
    print(f"5. Các mốc đầu chuỗi đã công bố ({anchors_file})")
    by_seq = chain.hashes or {}
    try:
        with open(anchors_file, encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        c.fail(f"không mở được tệp mốc {anchors_file}")
        return
    checked = 0
    for number, line in enumerate(lines, 1):
        try:
            anchor = json.loads(line)
            seq, digest = anchor["seq"], anchor["hash"]
        except (ValueError, KeyError, TypeError):
            c.fail(f"dòng {number} của tệp mốc không hợp lệ")
            return
        if seq not in by_seq:
            c.warn(f"mốc số {seq} nằm ngoài phạm vi hồ sơ, không so được")
            continue
        if by_seq[seq] != digest:
            c.fail(
                f"sự kiện số {seq} khác mốc đã công bố{_when(anchor)}: chuỗi đã bị viết lại "
                "sau khi công bố mốc"
            )
            return
        checked += 1
    c.ok(f"{checked} mốc khớp chuỗi trong hồ sơ")


def _when(anchor: dict) -> str:
    return f" lúc {anchor['time']}" if anchor.get("time") else ""


def main(argv: list[str] | None = None) -> int:
    """Run every check; 0 when the pack is intact, 1 naming the first failure."""
    parser = argparse.ArgumentParser(description="Kiểm tra hồ sơ kiểm tra PlanWork.")
    parser.add_argument("thu_muc", nargs="?", default=None, help="thư mục hồ sơ đã giải nén")
    parser.add_argument("--khoa", help="dấu vân tay khoá công khai đã công bố")
    parser.add_argument("--moc", help="tệp các mốc đầu chuỗi đã công bố (JSON mỗi dòng)")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # a console without Vietnamese glyphs
    folder = args.thu_muc or os.path.dirname(os.path.abspath(__file__))
    c = Checker(folder)
    print(f"Kiểm tra hồ sơ trong thư mục: {folder}")
    check_signature(c, args.khoa)
    check_files(c)
    chain = check_chain(c, keep_hashes=bool(args.moc))
    if chain is not None:
        check_head(c, chain)
        if args.moc:
            check_anchors(c, chain, args.moc)
    print()
    if c.first_failure is None:
        print("KẾT LUẬN: ĐẠT. Hồ sơ nguyên vẹn, đúng như hệ thống đã ký.")
        return 0
    print(f"KẾT LUẬN: KHÔNG ĐẠT. Lỗi đầu tiên: {c.first_failure}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
