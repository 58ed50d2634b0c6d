"""Raw scraped text -> clean simplified text, and spans mapped back to the raw text."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from medcoop.text.normalize import PLACEHOLDER, normalize

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))


def seed(prefix: str) -> str:
    return next(p for p in SEEDS if p.name.startswith(prefix)).read_text(encoding="utf-8")


def test_there_are_five_seeds():
    assert len(SEEDS) == 5


# --- what each kind of noise becomes ----------------------------------------------

def test_pinyin_after_characters_is_removed_and_script_simplified():
    assert normalize("醫(yī)院").clean == "医院"
    assert normalize("戰(zhàn)略合作協(xié)議").clean == "战略合作协议"
    assert normalize("醫（yī）院").clean == "医院"  # full-width brackets too


def test_ordinary_parentheses_are_kept():
    assert normalize("衡水市人民醫院(哈勵遜國際和平醫院)").clean == "衡水市人民医院(哈励逊国际和平医院)"
    assert normalize("技術(EICD)和(CSCA)").clean == "技术(EICD)和(CSCA)"
    assert normalize("技術(an)").clean == "技术(an)"  # no tone mark: not pinyin


def test_seed_003_agreement_span_maps_back_to_its_raw_characters():
    raw = seed("003")
    agreement = "戰(zhàn)略合作協(xié)議"
    start = raw.index(agreement)
    n = normalize(raw)
    lo, hi = n.to_clean(start, start + len(agreement))
    assert n.clean[lo:hi] == "战略合作协议"
    assert n.to_raw(lo, hi) == (start, start + len(agreement))


def test_lost_and_misdecoded_characters_become_one_placeholder():
    raw = seed("003")
    start = raw.index("重點??疲ㄖ嗅t(yī)專業(yè))")
    n = normalize(raw)
    lo, hi = n.to_clean(start, start + len("重點??疲ㄖ嗅t(yī)專業(yè))"))
    assert n.clean[lo:hi] == f"重点{PLACEHOLDER}专业)"
    assert normalize("心血管??坡?lián)盟").clean == f"心血管{PLACEHOLDER}盟"
    assert normalize("醫院\ufffd\ufffd合作").clean == f"医院{PLACEHOLDER}合作"


def test_utf8_shown_as_cp1252_is_repaired_with_exact_offsets():
    garbled = "医院".encode("utf-8").decode("cp1252")  # 'åŒ»é™¢': three cp1252 characters per Chinese one
    raw = f"北京{garbled}合作"
    norm = normalize(raw)
    assert norm.clean == "北京医院合作"
    assert norm.to_raw(2, 3) == (2, 5) and norm.to_raw(2, 4) == (2, 8)


def test_mojibake_that_cannot_be_decoded_stays_a_placeholder():
    garbled = "威海市中医院".encode("utf-8").decode("cp1252", errors="replace")  # 威 ends in byte 0x81: lost
    clean = normalize(f"北京{garbled}合作").clean
    assert PLACEHOLDER in clean and clean.endswith("海市中医院合作")  # the rest is repaired, 威 is not guessed


def test_anti_copy_junk_is_removed():
    raw = seed("001")
    clean = normalize(raw).clean
    assert "W8" not in clean and "x#" not in clean
    assert "哦!\n2019年12月11日" in clean


def test_letters_and_numbers_people_write_survive():
    for text in ["做B超和X光", "PET-CT检查", "1+1>2", "2019-12-11 08:00", "乘车路线:K1,K2,K3"]:
        assert normalize(text).clean == text


def test_widths_controls_and_whitespace():
    assert normalize("ＡＢＣ１２３，").clean == "ABC123,"
    assert normalize("医\u200b院\ufeff").clean == "医院"
    assert normalize("第一行\r\n第二行").clean == "第一行\n第二行"
    assert normalize("威海   市\u3000\u3000中医院").clean == "威海 市 中医院"


# --- the alignment ----------------------------------------------------------------

def assert_span_properties(raw: str, start: int, end: int) -> None:
    """A clean span maps to a raw span that (1) is in range, (2) starts and ends on
    real text, and (3) normalises back to the same clean text."""
    n = normalize(raw)
    lo, hi = n.trim(start, end)
    mapped = n.to_raw(start, end)
    if lo >= hi:
        assert mapped is None
        return
    raw_start, raw_end = mapped
    assert 0 <= raw_start < raw_end <= len(raw)
    assert not n.raw_noise[raw_start] and not n.raw_noise[raw_end - 1]
    assert normalize(raw[raw_start:raw_end]).clean == n.clean[lo:hi]
    assert n.to_clean(raw_start, raw_end) == (lo, hi)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_every_short_span_of_every_seed_maps_back(path):
    raw = path.read_text(encoding="utf-8")
    n = normalize(raw)
    for start in range(0, len(n.clean), 3):
        for length in (1, 2, 5, 9):
            assert_span_properties(raw, start, start + length)


def test_how_much_of_each_seed_normalisation_changes():
    # Raw characters kept unchanged, of all raw characters: the clean seeds 001 and 002
    # are nearly untouched; 003 (pinyin) and 004 (traditional script, lost characters) are not.
    expected = {"000": (2058, 3019), "001": (1872, 2044), "002": (2245, 2337), "003": (1459, 2767), "004": (1102, 2318)}
    for path in SEEDS:
        raw = path.read_text(encoding="utf-8")
        n = normalize(raw)
        kept_same = sum(
            1 for i, c in enumerate(n.clean) if n.raw_end[i] - n.raw_start[i] == 1 and raw[n.raw_start[i]] == c
        )
        assert (kept_same, len(raw)) == expected[path.name[:3]]


pieces = st.one_of(
    st.text(alphabet="醫院衛生健康委員會戰略合作協議中心市人民政府威海", min_size=1, max_size=6),
    st.text(alphabet="医院卫生健康委员会战略合作协议", min_size=1, max_size=6),
    st.sampled_from(["(yī)", "(zhàn)", "(xié)", "（yè）", "(lián)", "(an)", "(CT)", "()"]),
    st.sampled_from(["1 f) W8 ]* |; x# S7 `+ y+ o) h", "3 V% T+ R7 O$ Y/ X1 T", "a b c d e f"]),
    st.sampled_from(["??", "?", "\ufffd", "疲ㄖ嗅t", "坡?", "⑿", "åŒ»é™¢"]),
    st.text(alphabet="abcXYZ019 ,.:-+#()*", min_size=1, max_size=5),
    st.sampled_from([" ", "  ", "\n", "\r\n", "\t", "\u3000", "\u200b", "\ufeff", "\x07"]),
    st.text(alphabet="ＡＢ１２，：（）", min_size=1, max_size=3),
    st.sampled_from(["、", "。", "“", "”", "《", "》", "【", "】"]),
)
mixed_text = st.lists(pieces, min_size=1, max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(raw=mixed_text, data=st.data())
def test_any_clean_span_maps_back_to_a_clean_raw_span(raw, data):
    n = normalize(raw)
    if not n.clean:
        return
    start = data.draw(st.integers(0, len(n.clean) - 1))
    end = data.draw(st.integers(start + 1, len(n.clean)))
    assert_span_properties(raw, start, end)


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=60), data=st.data())
def test_any_unicode_string_normalises_with_a_consistent_alignment(raw, data):
    n = normalize(raw)
    assert len(n.raw_start) == len(n.raw_end) == len(n.clean)
    assert all(a < b for a, b in zip(n.raw_end, n.raw_start[1:] + 1))
    if n.clean:
        start = data.draw(st.integers(0, len(n.clean) - 1))
        end = data.draw(st.integers(start + 1, len(n.clean)))
        assert_span_properties(raw, start, end)


def test_non_strings_are_refused():
    with pytest.raises(TypeError, match="bytes"):
        normalize(b"\xe5\x8c\xbb")
