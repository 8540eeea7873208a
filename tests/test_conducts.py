"""Sanction indicators name the conduct: wordings of one conduct normalize alike
(tests/data/conduct_cases.yaml), and grouping by conduct lifts the comparison of the
smoking bans of six cities (compare-dev, read from ../shared) without costing the seeds."""
from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEEDS
from extractors.conducts import bearer_of, conduct_tokens, offender_of, parse_label, sanction_label, split_tiers
from pipeline.grouping import align_indicators, conduct_alignment

CASES = yaml.safe_load((ROOT / "tests" / "data" / "conduct_cases.yaml").read_text(encoding="utf-8"))
SHARED = ROOT.parent / "shared"
COMPARE_DEV = SHARED / "corpus" / "compare-dev"
# the targets (measured: P 1.000 R 0.950 with offenders, divided rules,
# siblings and reconciliation, before them P 0.941 R 0.793; P 0.991 R 0.909 with the
# first listed conduct weighing more; P 1.000 R 0.950 once a licence is its permit and the
# similarity threshold rose to 0.18)
COMPARE_FLOORS = (0.90, 0.90)
SEED_FLOORS = (0.90, 0.90)
# fireworks regulations of 21 jurisdictions, topics annotated by reading the texts
# (tests/data/fireworks_topics): measured P 0.767 R 0.694 with reconciliation and exact
# average linkage (P 0.811 R 0.602 with linkage over alike pairs only, P 0.793 R 0.480
# before both); P 0.789 R 0.780 once cited article numbers are no conduct words and the
# first listed conduct weighs 1.6× (compare-dev then 0.991 / 0.909, from 1.000 / 0.950);
# P 0.830 R 0.804 once 许可证 is 许可 and the similarity threshold is 0.18; P 0.871 R 0.887
# once a label grouped by its words follows its siblings (上海's and 北京's orders to stop
# discharging, beside their fines), a floor against regressions
FIREWORKS = SHARED / "corpus" / "regulations" / "fireworks"
FIREWORKS_FLOORS = (0.86, 0.88)


@pytest.mark.parametrize("a,b", CASES["same"])
def test_variant_wordings_share_their_words(a, b):
    assert set(conduct_tokens(a)) == set(conduct_tokens(b))


@pytest.mark.parametrize("text,words", CASES["contains"])
def test_conduct_words(text, words):
    assert set(words) <= set(conduct_tokens(text))


@pytest.mark.parametrize("a,b", CASES["differ"])
def test_different_conducts_differ(a, b):
    assert set(conduct_tokens(a)) != set(conduct_tokens(b))


@pytest.mark.parametrize("text,core,tiers", CASES["tiers"])
def test_escalations_split_off(text, core, tiers):
    assert split_tiers(text) == (core, tuple(tiers))


@pytest.mark.parametrize("conduct,first", CASES["first_conducts"])
def test_first_listed_conduct(conduct, first):
    from extractors.conducts import first_conduct

    assert first_conduct(conduct) == first


@pytest.mark.parametrize("case", CASES["labels"], ids=lambda c: c["label"] or "none")
def test_sanction_labels(case):
    label = sanction_label(case["condition"], case["target"], case["sanction"], case["quote"])
    assert label == case["label"]
    if label:
        assert parse_label(label).measure == label.split("·")[1]


@pytest.mark.parametrize("sentence,quote,label", CASES["deadline_labels"])
def test_deadlines_are_labelled_by_the_duty_they_bound(sentence, quote, label):
    from extractors.subjects import deadline_label, find_subject

    start = sentence.index(quote)
    end = start + len(quote)
    assert deadline_label(sentence, 0, start, end, find_subject(sentence, 0, start)) == label


@pytest.mark.parametrize("sentence,quote,unit,label", CASES["bound_labels"])
def test_bounds_are_labelled_by_what_they_measure(sentence, quote, unit, label):
    from extractors.subjects import find_subject, indicator_label

    start = sentence.index(quote)
    assert indicator_label(sentence, 0, start, unit, find_subject(sentence, 0, start), start + len(quote)) == label


@pytest.mark.parametrize("context,bearer", CASES["offenders"])
def test_the_offender_before_the_rule_bears_the_sanction(context, bearer):
    assert bearer_of(None, None, offender_of(context)) == bearer


def _rec(doc, label, sanction="fine", span=0, cites=None):
    return {"doc": doc, "kind": "sanction", "indicator": label, "sanction": sanction, "unit": None,
            "span": [span, span + 1], "section": None, "cites": cites}


def test_a_deadline_from_an_event_is_asked_apart_from_one_without():
    """The days to report after the danger is over, and the hours to report a felling, are
    two questions: labels that name the event the time runs from group among themselves,
    and a group is named by its most central label, not its barest."""
    def rec(doc, label):
        return {"doc": doc, "kind": "deadline", "indicator": label, "unit": None, "span": [0, 1], "section": None}

    records = [rec("a.txt", "险情消除后备案期限"), rec("b.txt", "险情消除后补办手续期限"), rec("c.txt", "险情消除后备案期限"),
               rec("d.txt", "报告期限"), rec("e.txt", "备案期限")]
    out = [r["indicator"] for r in align_indicators([dict(r) for r in records])]
    assert out[0] == out[1] == out[2] == "险情消除后备案期限"
    assert out[3] not in out[:3] and out[4] not in out[:3]


def test_labels_of_two_policy_areas_never_group():
    """A gas law's and a fireworks law's fines for unlicensed business are two questions,
    however alike their words (here: the same); within one area they are one question."""
    records = [{**_rec(doc, label), "policy_area": area} for doc, label, area in [
        ("a.txt", "未取得经营许可从事经营活动·罚款", "燃气"), ("b.txt", "未取得许可从事经营活动·罚款", "燃气"),
        ("c.txt", "未取得经营许可从事经营活动·罚款", "烟花爆竹"), ("d.txt", "未取得许可从事经营活动·罚款", "烟花爆竹")]]
    out = [r["indicator"] for r in align_indicators([dict(r) for r in records])]
    assert out[0] == out[1] and out[2] == out[3]
    assert out[1] != out[2]
    together = [r["indicator"] for r in align_indicators([{**r, "policy_area": None} for r in records])]
    assert len(set(together)) == 1  # the area is what keeps them apart


def test_a_word_is_weighed_among_the_documents_of_its_area():
    """In a corpus of fireworks and gas laws together, 烟花爆竹 is rare, yet every fireworks
    conduct names it: weighed among all documents it would make discharging in a banned
    zone and producing without a licence one question; weighed among the fireworks laws
    it says little, as it does when they are read alone."""
    def rec(doc, label, area):
        return {**_rec(doc, label), "policy_area": area}

    fireworks = [rec("a.txt", "在禁止区域燃放烟花爆竹·罚款", "烟花爆竹"), rec("b.txt", "在禁止区域燃放烟花爆竹·罚款", "烟花爆竹"),
                 rec("c.txt", "未经许可生产烟花爆竹·罚款", "烟花爆竹"), rec("d.txt", "未经许可储存烟花爆竹·罚款", "烟花爆竹")]
    gas = [rec(f"g{i}.txt", label, "燃气") for i, label in enumerate(
        ["在禁止区域倾倒垃圾·罚款", "未经许可经营燃气·罚款", "未经许可生产气瓶·罚款",
         "在禁止区域停放车辆·罚款", "未经许可储存燃气·罚款", "在禁止区域堆放物品·罚款"] * 2)]
    mixed = [r["indicator"] for r in align_indicators([dict(r) for r in fireworks + gas])][:4]
    alone = [r["indicator"] for r in align_indicators([dict(r) for r in fireworks])]
    assert mixed == alone
    assert mixed[0] == mixed[1] != mixed[2]


def test_items_of_one_cited_list_punished_alike_are_one_question():
    """第二十四条 fines items (一)–(四) and item (五) of one list of duties: both fines of a
    answer the question b's one fine answers; two conducts of one item (自动售货机 /
    信息网络, both 第二十条第二款第三项) stay two questions."""
    duties = "第十三条 > 第一款"
    records = [_rec("a.txt", "未建立禁止吸烟管理制度,未设置禁止吸烟标志,拒不改正·罚款·单位",
                    cites=f"{duties} > (一); {duties} > (二)"),
               _rec("a.txt", "未对在禁止吸烟场所内的吸烟者予以劝阻·罚款·单位", span=3, cites=f"{duties} > (五)"),
               _rec("b.txt", "未建立禁止吸烟管理制度,未设置禁止吸烟标志·罚款·单位"),
               _rec("a.txt", "通过自动售货机销售烟草制品·罚款", span=6, cites="第二十条 > 第二款 > (三)"),
               _rec("a.txt", "通过信息网络非法销售烟草制品·罚款", span=9, cites="第二十条 > 第二款 > (三)"),
               _rec("b.txt", "通过自动售货机销售烟草制品·罚款", span=6)]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[1] == out[2]
    assert out[3] == out[5] != out[4]


def test_two_questions_most_documents_ask_apart_stay_apart():
    """Two alike groups of which most units hold a label in each (felling a tree, felling
    an ancient tree) are two questions: reconciliation leaves them apart, though merging
    them would make a larger group."""
    from pipeline.grouping import _Conduct, _Groups, _reconcile

    units_a, units_b = ["a", "b", "c", "d", "e"], ["a", "b", "c", "f"]
    items = [_Conduct(("sanction", None, "fine", f"{w}{k}·罚款"), {(w, "")}, ("fine", "罚款", ()), f"{w}{k}", (), None,
                      vector={"砍伐": 1.0}) for k, ws in (("A", units_a), ("B", units_b)) for w in ws]
    groups = _Groups(items)
    for first, n in ((0, len(units_a)), (len(units_a), len(units_b))):
        for x in range(first + 1, first + n):
            groups.merge(groups.find(first), groups.find(x))
    sims = {(i, j): 1.0 for i in range(len(items)) for j in range(i + 1, len(items))
            if not items[i].units & items[j].units}
    _reconcile(items, sims, groups, 0.15)
    assert sorted(len(m) for m in groups.groups().values()) == [4, 5]


def test_a_conduct_worded_unlike_the_others_follows_its_other_measures():
    """a's item (五) is punished by a fine and a warning. The fine joins the fine group
    through a's fine for items (一)–(二) (one divided rule, alike to it); the warning shares
    no words with b's and c's warnings, but follows its fine: it joins their warnings."""
    duties = "第十三条 > 第一款"
    a_conduct = "不劝阻违规者离开"
    records = [_rec("a.txt", "未建立禁止吸烟管理制度,未设置禁止吸烟标志,不劝阻违规者离开场所,拒不改正·罚款·单位",
                    cites=f"{duties} > (一); {duties} > (二)"),
               _rec("a.txt", f"{a_conduct}·罚款·单位", span=3, cites=f"{duties} > (五)"),
               _rec("a.txt", f"{a_conduct}·警告·单位", "warning", span=4, cites=f"{duties} > (五)"),
               _rec("b.txt", "未建立禁止吸烟管理制度,未设置禁止吸烟标志·罚款·单位"),
               _rec("b.txt", "未建立禁止吸烟管理制度,未设置禁止吸烟标志·警告·单位", "warning", span=3),
               _rec("c.txt", "未制定禁止吸烟的制度和措施,未设置禁止吸烟标志·罚款·单位"),
               _rec("c.txt", "未制定禁止吸烟的制度和措施,未设置禁止吸烟标志·警告·单位", "warning", span=3)]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[1] == out[3] == out[5]
    assert out[2] == out[4] == out[6] != out[0]



def test_a_label_follows_its_siblings_out_of_a_group_its_words_chose():
    """a's fine stands with b, c and d's fines for X, but its order, by its words, with e
    and f's orders for Y. b, c and d's orders stand together: a's order moves to them
    (three cities' pairs support it), and a's fine then stays, though e and f's pairs
    would have drawn it to their fines had it gone first."""
    from pipeline.grouping import _by_siblings, _Conduct, _Groups

    fine, order = ("fine", "罚款", ()), ("order", "责令改正", ())
    cores = {"a": "Z", "b": "X", "c": "X", "d": "X", "e": "Y", "f": "Y"}
    items = [_Conduct(("sanction", None, block[0], f"{cores[w]}·{block[1]}"), {(w, "")}, block, cores[w], (), None,
                      vector={cores[w]: 1.0}) for block in (fine, order) for w in cores]
    at = {(block[0], w): i for i, (block, w) in enumerate((b, w) for b in (fine, order) for w in cores)}
    groups = _Groups(items)
    for members in (["a", "b", "c", "d"], ["e", "f"]):
        for w in members[1:]:
            groups.merge(groups.find(at[("fine", members[0])]), groups.find(at[("fine", w)]))
    for members in (["b", "c", "d"], ["a", "e", "f"]):
        for w in members[1:]:
            groups.merge(groups.find(at[("order", members[0])]), groups.find(at[("order", w)]))
    blocks = {fine: [at[("fine", w)] for w in cores], order: [at[("order", w)] for w in cores]}
    _by_siblings(items, blocks, groups)

    def group_of(block, w):
        return {next(iter(items[x].units))[0] for x in groups.members[groups.find(at[(block, w)])]}

    assert group_of("order", "a") == {"a", "b", "c", "d"}
    assert group_of("fine", "a") == {"a", "b", "c", "d"}
    assert group_of("order", "e") == group_of("fine", "e") == {"e", "f"}


def test_acting_without_leave_is_how_not_what():
    """未经批准砍伐树木 is felling a tree: it joins the fines for 擅自砍伐树木, not those for
    occupying green space, though it shares its manner (未经批准) with one of them."""
    records = [_rec("a.txt", "擅自占用城市绿地·罚款"), _rec("b.txt", "未经批准占用城市绿地·罚款"),
               _rec("c.txt", "擅自占用城市绿地·罚款"), _rec("d.txt", "擅自砍伐城市树木·罚款"),
               _rec("e.txt", "擅自砍伐树木·罚款"), _rec("f.txt", "未经批准砍伐树木·罚款")]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[1] == out[2]
    assert out[3] == out[4] == out[5] != out[0]


def test_equal_conducts_group_across_documents_only():
    records = [_rec("a.txt", "在禁止吸烟场所吸烟·罚款·个人"), _rec("b.txt", "在禁烟区域抽烟·罚款"),
               _rec("c.txt", "在禁止区域吸烟·罚款"),
               _rec("a.txt", "在禁止吸烟场所吸烟,拒不改正·罚款", span=5),  # a second question of a
               _rec("b.txt", "未在禁止吸烟场所设置禁止吸烟标志·罚款", span=5),
               _rec("c.txt", "在禁止区域吸烟·警告", "warning", span=5)]  # another measure
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[1] == out[2]
    assert len(set(out)) == 4


def test_the_first_listed_conduct_decides_the_question():
    """Each city adds other conducts to its fine for discharging in a banned area, b's list
    with more words of its own than it shares (危害公共安全和人身、财产安全的方式); the
    first listed conduct is what each article is about: all five fines answer the
    banned-area question (b's stood alone when every word weighed alike), and the
    pollution fines of c and d stay a question of their own."""
    banned = "在禁止燃放烟花爆竹的区域燃放烟花爆竹"
    extra = [",或者燃放拉炮、摔炮、砸炮以及其他危险性较大的烟花爆竹", ",或者以危害公共安全和人身、财产安全的方式燃放烟花爆竹",
             ",或者不按照限制燃放的时间、地点和种类燃放烟花爆竹", "", ",或者在居民楼道、阳台、窗口向外燃放烟花爆竹"]
    records = [_rec(f"{d}.txt", f"{banned}{x}·罚款") for d, x in zip("abcde", extra)]
    records += [_rec(f"{d}.txt", "在重污染天气期间燃放烟花爆竹·罚款", span=3) for d in "cd"]
    out = [r["indicator"] for r in align_indicators(records)]
    assert len(set(out[:5])) == 1 and out[5] == out[6] != out[0]


def test_an_escalation_is_its_own_question_only_beside_the_plain_one():
    records = [_rec("a.txt", "未设置标志·罚款"), _rec("a.txt", "未设置标志,情节严重·罚款", span=3),
               _rec("b.txt", "未设置标志,逾期不改正·罚款"), _rec("b.txt", "未设置标志,逾期不改正,情节严重·罚款", span=3)]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[2] != out[1] == out[3]
    # the question's label keeps the escalation as a clause of its own, read back as one
    assert split_tiers(parse_label(out[1]).conduct) == ("未设置标志", ("情节严重",))


def test_a_referral_names_its_law_by_its_escalation():
    """A referral of unlicensed sales to the public-security law (…,构成违反治安管理行为·依法处罚)
    and a referral of them to the law of the field (…·依法处罚) are two questions, though no
    city refers the same conduct both ways; a fine's 逾期不改正 stays how a city phrases
    its one fine."""
    records = [_rec("a.txt", "未经许可销售烟花爆竹,构成违反治安管理行为·依法处罚", "other"),
               _rec("b.txt", "未经许可销售烟花爆竹,构成违反治安管理行为·依法处罚", "other"),
               _rec("c.txt", "未经许可销售烟花爆竹·依法处罚", "other"),
               _rec("d.txt", "未经许可销售烟花爆竹·依法处罚", "other"),
               _rec("a.txt", "未设置标志,逾期不改正·罚款", span=3), _rec("c.txt", "未设置标志·罚款", span=3)]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[0] == out[1] != out[2] == out[3]
    assert out[4] == out[5]


def test_words_of_every_unit_weigh_least():
    """吸烟 in every document's labels says little: two obstruction conducts worded
    differently group, and not with the smoking conducts they share no act with."""
    records = [_rec("a.txt", "在禁止吸烟场所吸烟·罚款"), _rec("a.txt", "未在禁止吸烟场所设置禁止吸烟标志·罚款", span=3),
               _rec("a.txt", "拒绝、阻碍检查人员依法执行公务违反治安管理规定·罚款", span=5),
               _rec("b.txt", "在禁烟区域吸烟·罚款"), _rec("b.txt", "未在醒目位置设置禁烟标识·罚款", span=3),
               _rec("b.txt", "拒绝、阻碍卫生健康行政主管部门执法人员、检查员依法执行公务·罚款", span=5),
               _rec("c.txt", "在禁止吸烟的公共场所吸烟·罚款"), _rec("c.txt", "吸烟区的设置不符合要求·罚款", span=3)]
    # each document words many more of its conducts with 吸烟: its weight must not grow
    filler = ["在电梯内吸烟", "向未成年人出售吸烟用品", "吸烟室未通风", "在排队时吸烟", "组织吸烟比赛"]
    records += [_rec(d, f"{f}{i}·警告", "warning", span=10 + i) for d in ("a.txt", "b.txt", "c.txt")
                for i, f in enumerate(filler)]
    records += [_rec("a.txt", "未对吸烟者予以劝阻·罚款", span=7), _rec("c.txt", "将吸烟区设在通道·罚款", span=7)]
    out = [r["indicator"] for r in align_indicators(records)]
    assert out[2] == out[5]
    assert out[0] == out[3] == out[6] != out[2]
    assert out[1] == out[4] != out[2]
    assert out[-2] != out[-1]


def test_grouping_scales_by_blocks_and_shared_words():
    """10,000 conduct labels in 100 documents group in seconds: pairs come only from
    shared words within a block, never all against all."""
    words = ["吸烟", "燃放", "经营", "设置", "标志", "劝阻", "广告", "销售", "运输", "储存", "排放", "倾倒"]
    conducts = {}
    for i in range(10_000):
        doc = f"d{i % 100}.txt"
        a, b, c = words[i % 12], words[(i // 12) % 12], words[(i // 144) % 12]
        conducts[("sanction", None, ("fine", "warning")[i % 2], f"未{a}{b}{c}{i // 1728}·{('罚款', '警告')[i % 2]}")] = {(doc, "")}
    t = time.perf_counter()
    mapping = conduct_alignment(conducts)
    assert time.perf_counter() - t < 20
    assert all(k in conducts for k in mapping)


def _compare_line(corpus: Path, gold: Path):
    import sys
    sys.path.insert(0, str(SHARED / "tools"))
    import score_provisions as sp
    from pipeline.evaluate import predict

    pred, failures = predict(sorted(corpus.glob("*.txt")))
    assert not failures
    c = sp.score(sp.load(gold), pred)["compare"]
    return c["P"], c["R"]


@pytest.mark.skipif(not (COMPARE_DEV.is_dir() and (SHARED / "tools" / "score_provisions.py").exists()),
                    reason="the comparison dev set lives in ../shared")
def test_compare_dev_pairwise_floors():
    p, r = _compare_line(COMPARE_DEV, SHARED / "gold" / "compare-dev")
    assert p >= COMPARE_FLOORS[0] and r >= COMPARE_FLOORS[1], (p, r)


@pytest.mark.skipif(not ((SHARED / "gold" / "dev").is_dir() and (SHARED / "tools" / "score_provisions.py").exists()),
                    reason="the seeds' gold lives in ../shared")
def test_seeds_pairwise_floors():
    p, r = _compare_line(SHARED / "corpus" / "seeds", SHARED / "gold" / "dev")
    assert p >= SEED_FLOORS[0] and r >= SEED_FLOORS[1], (p, r)


REGULATION_TOPICS = ROOT / "tests" / "data"
# (family folder, topic gold, floors): fireworks as above; greening and gas
# (tests/data/greening_gas_topics, annotated after the grouping of this stop was in, so the
# first measurement is blind: greening P 0.420 R 0.475, gas P 0.336 R 0.299; then 0.467 /
# 0.472 and 0.506 / 0.276 once administrative penalties whose conduct was not read stopped
# joining the measure-only label, gas 0.537 / 0.297 with 居民/非居民用户 as bearers; greening
# 0.627 / 0.498, gas 0.525 / 0.285 once a divided rule joins only a label left alone;
# greening 0.651 / 0.515, gas 0.552 / 0.299 when most-shared groups are not reconciled;
# greening 0.789 / 0.630, gas 0.577 / 0.302 once wrapped TXT lines are joined, 规定之一 stays
# in the citation and a citation opening a sentence without 的 is its trigger; greening
# 0.783 / 0.658, gas 0.616 / 0.307 with cited article numbers dropped from conducts and
# the first listed conduct weighing more; greening 0.831 / 0.607, gas 0.742 / 0.344 once
# 许可证 is 许可 and the similarity threshold rose from 0.15 to 0.18, a trade measured on
# all five sets: greening's recall fell 0.051 while its precision rose 0.048 and every
# other set rose, compare-dev to 1.000 / 0.950, so its recall floor follows it down;
# greening 0.828 / 0.607, gas 0.777 / 0.355 once 损毁, 毁坏, 破坏, 损害 and 毁损 are 损坏: gas
# rose 0.035 / 0.011, greening's precision fell 0.003 (济宁's 未损坏树木花草 joined by three
# cities' 损坏树木花草), so its precision floor follows it down; greening 0.823 / 0.613, gas
# 0.785 / 0.354 once a conduct's escalations are references.yaml's `escalation`; gas 0.791 /
# 0.384 once a list that follows who has it (燃气用户…有下列行为之一的) is the conduct;
# greening 0.836 / 0.611 once a list whose numbers were lost (枣庄 第四十条) is read;
# greening 0.854 / 0.622, gas 0.780 / 0.382 once a label grouped by its words follows its
# siblings (gas 0.791 / 0.384 before: a move follows a sibling that is itself misplaced),
# so gas's precision floor follows it down); gas 0.796 / 0.379 once 个人擅自… and
# 居民燃气用户 name their bearer (北京's and 浙江's household fines left the unit fines;
# 济南's then its own question), a trade of 0.003 recall for 0.016 precision, so gas's
# recall floor follows it down; greening 0.868 / 0.646, gas 0.792 / 0.369 once a leading
# 擅自 / 未经…批准 is no part of a conduct's head (舟山's 未经批准砍伐树木 left the occupied
# green space; gas: 北京's 个人擅自拆除…户内管道燃气设施 left 擅自操作公用燃气阀门, two acts the
# gold lumps as users' unsafe use), so gas's recall floor follows it down again; greening
# 0.874 / 0.653 once 剥取 is 剥损 and 采折 is 采摘; gas 0.777 / 0.370 once a measure inside a
# trigger (由…部门责令限期改正，逾期不改正的) is no conduct: 洛阳's fine for not applying to
# change its licence, whose conduct had been that order, joins its own order and 青岛's
# in the question of not operating by the licence, which the gold keeps apart, so gas's
# precision floor follows it down; greening 0.900 / 0.643 once 擅自 is no content word: the
# national 损坏城市树木花草,擅自砍伐城市树木… order went back to damaging greening from felling,
# while 舟山's 擅自占用公园绿地 joined stalls in parks, a trade of 0.010 recall for 0.026
# precision, so greening's recall floor follows it down; greening 0.897 / 0.653 once a
# sanction on a whole list whose lead names its kind (禁止下列损害城市绿化及其设施的行为) punishes
# that kind: seven Henan cities' orders and compensations for the list joined the national
# 损坏城市绿化及其设施, while their ancient-tree lists' compensation joined two cities' felling
# compensation, which the gold keeps apart, a trade of 0.003 precision for 0.010 recall, so
# greening's precision floor follows it down),
# recall far below the 0.85:
# floors against regressions, not the target
TOPIC_SETS = [("fireworks", REGULATION_TOPICS / "fireworks_topics" / "gold", FIREWORKS_FLOORS),
              ("greening", REGULATION_TOPICS / "greening_gas_topics" / "gold" / "greening", (0.89, 0.65)),
              ("gas", REGULATION_TOPICS / "greening_gas_topics" / "gold" / "gas", (0.77, 0.36)),
              # blood and parking (tests/data/blood_parking_topics, annotated blind after this
              # stop's grouping changes): first measured blood 0.909 / 0.870, parking 0.941 / 0.421;
              # parking 0.944 / 0.447 once 拒绝立即驶离 escalates the conduct before it; blood
              # 0.920 / 1.000 once 血站及其工作人员 is a unit, not officials
              ("blood", REGULATION_TOPICS / "blood_parking_topics" / "gold" / "blood", (0.92, 0.99)),
              ("parking", REGULATION_TOPICS / "blood_parking_topics" / "gold" / "parking", (0.94, 0.44))]


@pytest.mark.skipif(not (FIREWORKS.is_dir() and (SHARED / "tools" / "score_provisions.py").exists()),
                    reason="the regulations live in ../shared")
@pytest.mark.parametrize("family,gold,floors", TOPIC_SETS, ids=[t[0] for t in TOPIC_SETS])
def test_regulation_topic_pairwise_floors(family, gold, floors):
    p, r = _compare_line(SHARED / "corpus" / "regulations" / family, gold)
    assert p >= floors[0] and r >= floors[1], (p, r)


# The bounds and deadlines of the five families (tests/data/bounds_topics, blind gold made
# from 3da4960's candidates): first measured blood 0.967 / 0.549, gas 0.667 / 0.380, greening
# 0.755 / 0.532, parking 1.000 / 1.000, fireworks 1.000 / 0.111; blood 1.000 / 0.549, gas
# 0.673 / 0.380, greening 0.832 / 0.598 once party-building deadline labels stay in their
# area, a tier's condition names it and is no question of its own, a deadline's event opens
# its clause, and a group takes its most central label; gas 0.784 / 0.545 once a time before
# names the act it runs to (停业、歇业前报告期限, 暂停供气前公告期限): floors against regressions
BOUND_SETS = [("blood", (1.0, 0.54)), ("gas", (0.78, 0.54)), ("greening", (0.83, 0.59)),
              ("parking", (1.0, 1.0)), ("fireworks", (1.0, 0.11))]


@pytest.mark.skipif(not (FIREWORKS.is_dir() and (SHARED / "tools" / "score_provisions.py").exists()),
                    reason="the regulations live in ../shared")
@pytest.mark.parametrize("family,floors", BOUND_SETS, ids=[t[0] for t in BOUND_SETS])
def test_bound_topic_pairwise_floors(family, floors):
    p, r = _compare_line(SHARED / "corpus" / "regulations" / family, REGULATION_TOPICS / "bounds_topics" / "gold" / family)
    assert p >= floors[0] and r >= floors[1], (p, r)


@pytest.mark.skipif(not (FIREWORKS.is_dir() and (SHARED / "tools" / "score_provisions.py").exists()),
                    reason="the regulations live in ../shared")
def test_five_families_read_together_pairwise_floors(tmp_path):
    """The five families' regulations in one folder, scored against their five topic golds
    at once: the corpus a user would bring, several subjects mixed. Measured P 0.744 R 0.606
    with words weighed among all documents, P 0.877 R 0.611 among those of their area,
    P 0.875 R 0.617 once a sanction on a whole list punishes the kind its lead names."""
    import shutil

    docs, gold = tmp_path / "docs", tmp_path / "gold"
    docs.mkdir()
    gold.mkdir()
    for f in (SHARED / "corpus" / "regulations").glob("*/*.txt"):
        shutil.copy(f, docs / f.name)
    for _, family_gold, _ in TOPIC_SETS:
        for f in family_gold.glob("*.jsonl"):
            shutil.copy(f, gold / f.name)
    p, r = _compare_line(docs, gold)
    assert p >= 0.87 and r >= 0.61, (p, r)


def test_a_curated_label_applies_in_the_areas_it_is_written_for():
    """工作完成时间 is a party-building plan's question; a greening law's deadline that ends an
    emergency (抢险救灾结束后) is not that question and keeps its own duty label."""
    from extractors.indicators import curated_indicator

    plan = "各党支部应当在11月底前完成换届选举工作。"
    felling = "抢险救灾结束后，应当在三日内告知城市绿化行政主管部门。"
    assert curated_indicator(plan, plan.index("11月底前"), plan.index("11月底前") + 6, "deadline", area="党建") == "工作完成时间"
    at = felling.index("三日内")
    assert curated_indicator(felling, at, at + 3, "deadline", area="城市绿化") is None
    assert curated_indicator(felling, at, at + 3, "deadline", area="党建") == "工作完成时间"
