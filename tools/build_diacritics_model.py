"""Build importer/data/diacritics.json.gz, the syllable model that restores diacritics.

    .venv/bin/python tools/build_diacritics_model.py          # rebuild the model
    .venv/bin/python tools/build_diacritics_model.py --check  # fail if it is stale

The model is trained only on text the project ships: the hand-checked plans and the
corpus plans under tests/fixtures/importer/ (clean ones whole, OCR'd ones only their
hand-written expected answers and their well-formed lines), the unit directory and the
indicator framework in data/, the timeframe vocabulary, the administrative phrases
below, and our own sentences of the genre in tools/diacritics_phrases.txt.

Debian's `hunspell-vi` word list (GPL-2, `apt-get install hunspell-vi`), when present, is
used at build time only: to accept a line of OCR'd text as well formed, and to learn
which rhymes (vowel + final + tone) Vietnamese spelling allows. No word of it is copied
into the model, only the rhyme inventory, a fact of the orthography. Without it the
rhymes come from the training text alone (the build warns).

Every eighth sentence of the clean text is held out of training and written to
tests/fixtures/importer/restore_heldout.txt, so that the tests measure restoration on
sentences the model has never seen. The output is deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from importer.syllables import ONSETS, split_syllable, syllable_key  # noqa: E402

MODEL = ROOT / "importer" / "data" / "diacritics.json.gz"
HELDOUT = ROOT / "tests" / "fixtures" / "importer" / "restore_heldout.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "importer"
HUNSPELL = Path("/usr/share/hunspell/vi_VN.dic")
PHRASES = ROOT / "tools" / "diacritics_phrases.txt"  # our own sentences of the genre
HOLD_EVERY = 8
MIN_BIGRAM = 1

# Our own phrases of Vietnamese administration: the names of bodies, places and
# document parts that plans of other provinces use (the seeds are mostly from Ho Chi
# Minh City; these give the model Hà Nội, Đà Nẵng, Nghệ An and the common offices).
ADMIN_TEXT = """
Ủy ban nhân dân quận Ba Đình. Ủy ban nhân dân thành phố Hà Nội. Thủ đô Hà Nội.
Ủy ban nhân dân các phường. Ủy ban nhân dân các phường, xã. Ủy ban nhân dân tỉnh Nghệ An.
Ủy ban nhân dân thành phố Đà Nẵng. Hội đồng nhân dân quận. Thường trực Quận ủy.
Thường trực Hội đồng nhân dân quận. Ban Tuyên giáo và Dân vận Quận ủy.
Ủy ban Mặt trận Tổ quốc Việt Nam quận. Các tổ chức chính trị - xã hội.
Phòng Giáo dục và Đào tạo. Phòng Giáo dục và Đào tạo quận Ba Đình.
Phòng Tài chính - Kế hoạch. Phòng Nội vụ. Phòng Y tế. Phòng Tư pháp.
Phòng Văn hóa và Thông tin. Phòng Văn hóa, Khoa học và Thông tin.
Phòng Tài nguyên và Môi trường. Phòng Lao động - Thương binh và Xã hội.
Phòng Kinh tế. Phòng Quản lý đô thị. Văn phòng Hội đồng nhân dân và Ủy ban nhân dân quận.
Trung tâm Văn hóa, Thông tin và Thể thao quận. Trung tâm Văn hóa, Thông tin và Thể thao.
Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên quận.
Trung tâm học tập cộng đồng. Liên đoàn Lao động quận. Quận đoàn. Đoàn Thanh niên.
Hội Liên hiệp Phụ nữ quận. Hội Khuyến học quận. Hội Cựu chiến binh. Hội Người cao tuổi.
Hội Cựu giáo chức. Hội Nông dân. Công an quận. Ban Chỉ huy Quân sự quận.
Sở Giáo dục và Đào tạo. Bộ Giáo dục và Đào tạo. Chính phủ. Thủ tướng Chính phủ.
Thành ủy Hà Nội. Quận ủy Ba Đình. Đảng ủy. Chủ tịch Ủy ban nhân dân quận.
Phó Chủ tịch Ủy ban nhân dân quận. Nơi nhận. Lưu: VT. Phụ lục. Phân công nhiệm vụ.
Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc.
Mục đích, yêu cầu. Nội dung. Thời gian thực hiện. Lộ trình thực hiện. Kinh phí thực hiện.
Tổ chức thực hiện. Nhiệm vụ và giải pháp. Mục tiêu cụ thể. Đơn vị chủ trì. Đơn vị phối hợp.
Cơ quan chủ trì. Cơ quan phối hợp. Cơ quan thường trực. Ban Chỉ đạo cấp quận.
quận Ba Đình, quận Hoàn Kiếm, quận Đống Đa, quận Hai Bà Trưng, quận Cầu Giấy,
quận Thanh Xuân, quận Hoàng Mai, quận Long Biên, quận Tây Hồ, quận Nam Từ Liêm,
quận Bắc Từ Liêm, quận Hà Đông, huyện Thanh Trì, huyện Gia Lâm, huyện Đông Anh,
huyện Sóc Sơn, thị xã Sơn Tây, thành phố Vinh, quận Hải Châu, quận Sơn Trà,
quận Thanh Khê, quận Liên Chiểu, quận Ngũ Hành Sơn, quận Cẩm Lệ, huyện Hòa Vang.
Mạng lưới Thành phố học tập toàn cầu của UNESCO. Thủ đô Hà Nội trở thành thành viên.
trên địa bàn quận. trên địa bàn thành phố. trên toàn quận. theo quy định.
Quý I, Quý II, Quý III, Quý IV năm 2025. tháng 9 năm 2025. hằng năm. hằng quý.
thường xuyên. trước ngày 15 tháng 12 năm 2025. năm học 2025 - 2026. 6 tháng đầu năm.
6 tháng cuối năm. từ tháng 8 đến tháng 12 năm 2025. trong năm 2025. cả năm.
"""

# Our own sentences of a plan's or a report's usual wording, for the everyday words the
# shipped plans happen not to use ("sẽ", "vừa", "nhất là", "luôn", "nhưng", "còn"): a
# correctly written word the model does not know is taken for OCR damage.
REPORT_TEXT = """
Trong năm vừa qua, các đơn vị đã triển khai kịp thời, đồng bộ các nhiệm vụ được giao.
Nhìn chung, công tác xây dựng xã hội học tập luôn được các cấp ủy Đảng, chính quyền quan tâm.
Tuy nhiên, việc thực hiện còn một số khó khăn, hạn chế, vướng mắc cần khắc phục.
Nguyên nhân của những hạn chế nêu trên là do nguồn lực còn hạn chế, chưa đáp ứng yêu cầu.
Các đơn vị sẽ tiếp tục rà soát, bổ sung và hoàn thiện kế hoạch trong thời gian tới.
Nhất là đối với các nhiệm vụ trọng tâm, các đơn vị cần chủ động đề xuất giải pháp phù hợp.
Không có đơn vị nào được chậm trễ trong việc báo cáo; trường hợp có vướng mắc, kịp thời báo cáo.
Thực hiện thống nhất, đồng bộ trên toàn quận; tránh hình thức, lãng phí.
Tăng cường ứng dụng công nghệ thông tin trong quản lý, lưu trữ hồ sơ, tìm kiếm và khai thác dữ liệu.
Người dân được đăng ký, tham gia học tập thường xuyên, học tập suốt đời theo nhu cầu.
Nâng cao chất lượng đội ngũ cán bộ, giáo viên; tạo điều kiện để người học được học thêm, học lại.
Tuyên truyền sâu rộng để mọi người dân hiểu rõ vai trò, ý nghĩa của việc học tập suốt đời.
Hỗ trợ người khuyết tật, người có hoàn cảnh khó khăn, trẻ em mồ côi được học tập.
Kế thừa và phát huy truyền thống hiếu học của quê hương, dòng họ và gia đình.
Vừa nâng cao nhận thức, vừa tạo chuyển biến rõ nét trong hành động của mỗi người.
Thanh toán không dùng tiền mặt; hội nhập quốc tế; chia sẻ kinh nghiệm với các nước trong khu vực.
Kết quả đạt được còn thấp, nhưng đã góp phần nâng cao dân trí, đào tạo nhân lực, bồi dưỡng nhân tài.
Các chỉ tiêu cơ bản đều đạt và vượt so với cùng kỳ năm trước.
Đề nghị các đơn vị nghiêm túc triển khai; trong quá trình thực hiện,
nếu có khó khăn, vướng mắc, kịp thời phản ánh.
"""

_SENTENCE = re.compile(r"(?<=[.;:!?])\s+|\n\s*\n")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _strings(data: object) -> list[str]:
    """Every string value in a JSON document (names, titles, indicator texts)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def _is_vietnamese_text(text: str) -> bool:
    """A string of Vietnamese words (not a code, an e-mail, a date or a number)."""
    words = _WORD.findall(text)
    return len(words) >= 2 and any(syllable_key(w) != w.lower() for w in words)


def _plan_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.txt")) + sorted(FIXTURES.glob("*/*.txt"))


def clean_sources() -> list[tuple[str, str]]:
    """(name, text) of the shipped text written with its diacritics."""
    sources: list[tuple[str, str]] = []
    for path in _plan_files():
        if "ocr" in path.stem or path.name == HELDOUT.name:
            continue
        text = path.read_text(encoding="utf-8")
        words = _WORD.findall(text)
        # A plan written without its marks (a corpus case of its own) teaches nothing.
        if sum(syllable_key(w) != w.lower() for w in words) < 0.3 * len(words):
            continue
        sources.append((path.name, text))
    return sources


def answer_texts() -> list[str]:
    """Hand-written answers (expected.json) and the data/ directory's Vietnamese strings."""
    texts: list[str] = []
    paths = sorted(FIXTURES.glob("*.expected.json")) + sorted(FIXTURES.glob("*/*.json"))
    paths += [ROOT / "data" / "units.json", *sorted((ROOT / "data").glob("*/*.json"))]
    paths += sorted((ROOT / "demo" / "data").glob("*/*.json"))
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        texts += [s for s in _strings(data) if _is_vietnamese_text(s)]
    return texts


def ocr_well_formed_lines(words: set[str]) -> list[str]:
    """Lines of the OCR'd fixtures whose every word is in the word list, mostly marked.

    The Ba Đình seed is left out: its diacritics are lost, and it is the plan the
    restoration is judged on.
    """
    lines: list[str] = []
    if not words:
        return lines
    for path in _plan_files():
        if "ocr" not in path.stem or "Ba-Dinh" in path.stem:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            found = _WORD.findall(_nfc(line))
            if len(found) < 4:
                continue
            known = sum(w.lower() in words for w in found)
            marked = sum(syllable_key(w) != w.lower() for w in found)
            if known == len(found) and marked >= 0.4 * len(found):
                lines.append(line)
    return lines


def hunspell_words() -> set[str]:
    """The lower-cased words of Debian's Vietnamese hunspell list (empty if absent)."""
    if not HUNSPELL.exists():
        return set()
    lines = HUNSPELL.read_text(encoding="utf-8").splitlines()[1:]
    return {_nfc(line.split("/")[0]).lower() for line in lines if line.strip()}


def tokens(text: str) -> list[str]:
    """Lower-cased syllables of a text, '<s>' where a sentence or clause breaks, '<o>' for
    anything that is not a Vietnamese syllable (a code, an English word)."""
    out: list[str] = []
    for piece in re.split(r"[\n.,;:!?()\[\]“”\"«»]+", _nfc(text)):
        words = _WORD.findall(piece)
        if not words:
            continue
        out.append("<s>")
        for word in words:
            low = word.lower()
            out.append(low if split_syllable(low) is not None else "<o>")
    return out


def build() -> tuple[dict, list[str]]:
    """The model dict and the held-out sentences."""
    words = hunspell_words()
    train: list[str] = []
    heldout: list[str] = []
    for _name, text in clean_sources():
        k = 0
        for sentence in _SENTENCE.split(_nfc(text)):
            sentence = " ".join(sentence.split())
            if len(_WORD.findall(sentence)) < 4:
                train.append(sentence)
                continue
            k += 1
            (heldout if k % HOLD_EVERY == 0 else train).append(sentence)
    held = {" ".join(s.split()) for s in heldout}
    train += [t for t in answer_texts() if " ".join(t.split()) not in held]
    train += ocr_well_formed_lines(words)
    train.append(ADMIN_TEXT)
    train.append(REPORT_TEXT)
    train += PHRASES.read_text(encoding="utf-8").splitlines()[1:]

    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    tri: Counter[tuple[str, str, str]] = Counter()
    for text in train:
        seq = tokens(text)
        for i, tok in enumerate(seq):
            uni[tok] += 1
            if i >= 1:
                bi[seq[i - 1], tok] += 1
            if i >= 2:
                tri[seq[i - 2], seq[i - 1], tok] += 1
    rhymes: set[str] = set()
    for word in words | {w for w in uni if not w.startswith("<")}:
        parts = split_syllable(word)
        if parts is not None:
            rhymes.add(parts[1])
    model = {
        "version": 1,
        "onsets": list(ONSETS),
        "rhymes": sorted(rhymes),
        "unigrams": dict(sorted(uni.items())),
        "bigrams": {f"{a} {b}": c for (a, b), c in sorted(bi.items()) if c >= MIN_BIGRAM},
        "trigrams": {f"{a} {b} {c}": n for (a, b, c), n in sorted(tri.items()) if n >= 2},
        "hunspell_rhymes": bool(words),
    }
    return model, heldout


def _serialise(model: dict) -> bytes:
    text = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    """Write the model and the held-out sentences, or with --check compare them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    model, heldout = build()
    if not model["hunspell_rhymes"]:
        print(f"warning: {HUNSPELL} not found (apt-get install hunspell-vi)", file=sys.stderr)
    data = _serialise(model)
    held = "\n".join(heldout) + "\n"
    if args.check:
        stale = not MODEL.exists() or MODEL.read_bytes() != data
        stale = stale or not HELDOUT.exists() or HELDOUT.read_text(encoding="utf-8") != held
        print("stale" if stale else "up to date")
        return 1 if stale else 0
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    MODEL.write_bytes(data)
    HELDOUT.write_text(held, encoding="utf-8")
    print(
        f"{MODEL.relative_to(ROOT)}: {len(data)} bytes, {len(model['unigrams'])} syllables, "
        f"{len(model['bigrams'])} bigrams, {len(model['trigrams'])} trigrams, "
        f"{len(model['rhymes'])} rhymes; {len(heldout)} sentences held out"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
