"""Institution names resolved across documents, and how that is scored."""

from pathlib import Path

from medcoop.annotation.formats import read_jsonl
from medcoop.entity import Entity
from medcoop.network import resolve
from medcoop.training.evaluate_resolution import evaluate_resolution, load_gold_clusters, main, score_clusters

RESOURCES = Path(__file__).parent / "resources"


def test_script_and_pinyin_noise_give_one_name_across_documents():
    r = resolve([("a", ["威海市中醫(yī)院"]), ("b", ["威海市中医院"]), ("c", ["“威海市中医院”"])])
    assert {r.canonical(d, n) for d, n in [("a", "威海市中醫(yī)院"), ("b", "威海市中医院"), ("c", "“威海市中医院”")]} == {
        "威海市中医院"}
    [inst] = r.institutions
    assert inst.aliases == ["威海市中醫(yī)院", "威海市中医院", "“威海市中医院”"]  # as written
    assert inst.documents == ["a", "b", "c"]


def test_short_form_takes_the_full_name_its_article_gives():
    r = resolve([("a", ["威海市中医院", "市中医院"]), ("b", ["市中医院", "县人民医院"]), ("c", ["市中医院"])])
    assert r.canonical("a", "市中医院") == "威海市中医院"
    # without a full name in the article it means that article's city hospital only
    assert r.canonical("b", "市中医院") == "市中医院 [b]"
    assert r.canonical("c", "市中医院") == "市中医院 [c]"


def test_similar_names_of_different_institutions_stay_apart():
    r = resolve([("a", ["威海市中医院", "威海市中心医院", "市中医院"]), ("b", ["威海市中心医院"]),
                 ("c", ["温州大学", "温州医科大学"])])
    assert r.canonical("a", "威海市中医院") != r.canonical("a", "威海市中心医院")
    assert r.canonical("a", "市中医院") == "威海市中医院"
    assert r.canonical("b", "威海市中心医院") == "威海市中心医院"
    assert r.canonical("c", "温州大学") == "温州大学"


def test_a_short_form_fitting_two_names_stays_unresolved():
    r = resolve([("a", ["舟曲县人民医院", "迭部县人民医院", "人民医院"])])
    assert r.canonical("a", "人民医院") == "人民医院 [a]"


def test_bracketed_alternative_name_is_one_institution():
    r = resolve([
        ("a", ["衡水市人民医院(哈励逊国际和平医院)"]),          # one mention
        ("b", ["衡水市人民醫院", ("衡水市人民醫院", "哈勵遜國際和平醫院"), "哈院"]),  # tagged apart, and abbreviated
        ("c", ["哈励逊国际和平医院"]),
        ("d", ["香港中文大学(深圳)"]),                          # a campus, not an alternative name
    ])
    names = {r.canonical(d, n) for d, n in [("a", "衡水市人民医院(哈励逊国际和平医院)"), ("b", "哈勵遜國際和平醫院"),
                                            ("b", "哈院"), ("c", "哈励逊国际和平医院")]}
    assert names == {"衡水市人民医院"}
    assert r.canonical("d", "香港中文大学(深圳)") == "香港中文大学(深圳)"


def test_abbreviation_resolved_in_one_article_carries_to_others():
    r = resolve([("a", ["香港中文大学", "港中大"]), ("b", ["港中大"]), ("c", ["徐州市卫健委", "徐州市委"])])
    assert r.canonical("a", "港中大") == r.canonical("b", "港中大") == "香港中文大学"
    assert r.canonical("c", "徐州市委") != "徐州市卫健委"


def test_regular_short_forms_of_official_names_are_one_name():
    r = resolve([("a", ["上海市卫生健康委员会"]), ("b", ["上海卫健委"]), ("c", ["罗甸县中医医院"]), ("d", ["罗甸县中医院"]),
                 ("e", ["香港特区医院管理局"]), ("f", ["香港医院管理局", "香港医管局"]), ("g", ["徐州市第一人民医院", "市一院"])])
    assert r.canonical("b", "上海卫健委") == "上海市卫生健康委员会"
    assert r.canonical("d", "罗甸县中医院") == "罗甸县中医医院"
    assert r.canonical("f", "香港医管局") == r.canonical("e", "香港特区医院管理局")
    assert r.canonical("g", "市一院") == "徐州市第一人民医院"


def test_branches_and_bodies_sharing_words_stay_apart():
    r = resolve([("a", ["四川大学华西医院", "华西天府医院", "华西医院"]),
                 ("b", ["中国工程科技发展战略河南研究院", "中国工程院"]),
                 ("c", ["中国电信福建公司", "中国电信"]),
                 ("d", ["特区政府", "澳门大学"]), ("e", ["特区政府", "香港大学"])])
    assert r.canonical("a", "华西医院") == "四川大学华西医院" != r.canonical("a", "华西天府医院")
    assert r.canonical("b", "中国工程院") == "中国工程院"
    assert r.canonical("c", "中国电信") == "中国电信"
    assert r.canonical("d", "特区政府") != r.canonical("e", "特区政府")  # Macau's and Hong Kong's


def test_name_with_lost_characters_joins_the_one_name_it_fits():
    r = resolve([("a", ["河南心血管病专科联盟"]), ("b", ["河南心血管??聯盟"])])
    assert r.canonical("b", "河南心血管??聯盟") == "河南心血管病专科联盟"


def test_cross_document_suffix_after_a_parent():
    r = resolve([("a", ["复旦大学附属华山医院"]), ("b", ["华山医院"]), ("c", ["协和医院"]), ("d", ["北京协和医院"])])
    assert r.canonical("b", "华山医院") == "复旦大学附属华山医院"
    assert r.canonical("c", "协和医院") == "协和医院"  # 北京 is a place, not a parent: could be 武汉协和医院


def test_scores_count_pairs_and_mentions():
    gold = {("a", 0, 1): "X", ("a", 2, 3): "X", ("b", 0, 1): "X", ("b", 5, 6): "Y"}
    everything_apart = {m: str(m) for m in gold}
    pairwise, bcubed = score_clusters(gold, everything_apart)
    assert (pairwise.precision, pairwise.recall) == (0.0, 0.0)
    assert (bcubed.precision, bcubed.recall) == (1.0, 0.5)  # (1/3 * 3 + 1) / 4
    all_together = {m: "one" for m in gold}
    pairwise, bcubed = score_clusters(gold, all_together)
    assert (pairwise.precision, pairwise.recall) == (0.5, 1.0)  # 3 of 6 pairs belong together
    assert bcubed.recall == 1.0


def test_evaluation_over_a_gold_file_with_gold_and_model_spans():
    docs = read_jsonl(RESOURCES / "resolution_docs.jsonl")
    gold = load_gold_clusters(RESOURCES / "institutions.jsonl")
    scores = evaluate_resolution(docs, gold)
    assert scores.pairwise.f1 == 1.0 and scores.bcubed.f1 == 1.0
    assert (scores.documents, scores.mentions, scores.gold_clusters) == (4, 11, 6)

    class MissesShortForms:  # finds only names of 5 characters or more
        def tag_many(self, texts):
            for doc in docs:
                yield [Entity(s.start, s.end, s.label, doc.text[s.start:s.end], 1.0, "") for s in doc.spans
                       if s.end - s.start >= 5]

    scores = evaluate_resolution(docs, gold, MissesShortForms())
    assert scores.found == 8 and scores.pairwise.precision == 1.0 and scores.pairwise.recall < 1.0


def test_evaluation_entry_point(capsys):
    code = main(["--gold", str(RESOURCES / "institutions.jsonl"), "--data", str(RESOURCES / "resolution_docs.jsonl")])
    assert code == 0
    assert "| pairwise | 1.0000 | 1.0000 | 1.0000 |" in capsys.readouterr().out
    assert main(["--gold", str(RESOURCES / "missing.jsonl"), "--data", str(RESOURCES / "resolution_docs.jsonl")]) == 2
