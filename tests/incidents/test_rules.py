"""incidents.rules: 附件5 accident grade and 附件4 recommended response level, as pure functions.

No database. The rules are those of DOMAIN.md §2–3 and the plan (运政办发〔2021〕68 号, 附件4, 附件5):
"以上"包括本数，"以下"不包括本数; any one criterion / condition suffices and the highest wins; the
24-hour criterion decides firm / provisional / lapsed; thresholds and readings come from the plan
version's data (``plan_rules.RULES_2021`` by default, ``rules=`` for another version).
"""

import copy
from decimal import Decimal
from fractions import Fraction

import pytest

from incidents.choices import AccidentGrade, ResponseLevel
from incidents.plan_rules import RULES_2021
from incidents.rules import explain_grade, grade_accident, recommend_level, yuan_from_wan

GENERAL, LARGER, MAJOR, EXTRAORDINARY = (
    AccidentGrade.GENERAL,
    AccidentGrade.LARGER,
    AccidentGrade.MAJOR,
    AccidentGrade.EXTRAORDINARY,
)
I, II, III, IV = ResponseLevel.I, ResponseLevel.II, ResponseLevel.III, ResponseLevel.IV  # noqa: E741

READINGS = RULES_2021["readings"]
FORTY_PERCENT = Fraction(40, 100)
FIRM_HOURS = Fraction(30)  # comfortably past the 24-hour criterion


def grade(deaths=None, serious=None, loss=None, **kwargs):
    return grade_accident(deaths=deaths, serious_injuries=serious, direct_loss_yuan=loss, **kwargs)


def recommend(share=None, accident=None, people=None, hours=FIRM_HOURS, **kwargs):
    return recommend_level(
        outage_share=share,
        accident_grade=accident,
        people_at_risk=people,
        unrestored_hours=hours,
        **kwargs,
    )


def rules_2021_copy():
    return copy.deepcopy(RULES_2021)


# ================================================================================================
# 附件5: accident grade — every band edge, each criterion on its own
# ================================================================================================

DEATH_EDGES = [
    (0, None),
    (1, GENERAL),
    (2, GENERAL),
    (3, LARGER),
    (9, LARGER),
    (10, MAJOR),
    (29, MAJOR),
    (30, EXTRAORDINARY),
    (1000, EXTRAORDINARY),
]
INJURY_EDGES = [
    (0, None),
    (1, GENERAL),
    (9, GENERAL),
    (10, LARGER),
    (49, LARGER),
    (50, MAJOR),
    (99, MAJOR),
    (100, EXTRAORDINARY),
    (10000, EXTRAORDINARY),
]
LOSS_EDGES = [
    (Decimal("0"), None),
    (Decimal("0.00"), None),
    (Decimal("0.01"), GENERAL),
    (Decimal("9999999.50"), GENERAL),
    (Decimal("9999999.99"), GENERAL),
    (Decimal("10000000"), LARGER),
    (Decimal("10000000.00"), LARGER),
    (Decimal("49999999.50"), LARGER),
    (Decimal("49999999.99"), LARGER),
    (Decimal("50000000"), MAJOR),
    (Decimal("99999999.50"), MAJOR),
    (Decimal("99999999.99"), MAJOR),
    (Decimal("100000000"), EXTRAORDINARY),
    (Decimal("100000000.00"), EXTRAORDINARY),
    (Decimal("5000000000"), EXTRAORDINARY),
]


@pytest.mark.parametrize("others", [None, 0], ids=["others-unknown", "others-zero"])
@pytest.mark.parametrize(("deaths", "expected"), DEATH_EDGES, ids=[f"deaths-{d}" for d, _ in DEATH_EDGES])
def test_grade_deaths_band_edges(deaths, expected, others):
    assert grade(deaths=deaths, serious=others, loss=others) == expected


@pytest.mark.parametrize("others", [None, 0], ids=["others-unknown", "others-zero"])
@pytest.mark.parametrize(
    ("serious", "expected"), INJURY_EDGES, ids=[f"injuries-{n}" for n, _ in INJURY_EDGES]
)
def test_grade_serious_injuries_band_edges(serious, expected, others):
    assert grade(deaths=others, serious=serious, loss=others) == expected


@pytest.mark.parametrize("others", [None, 0], ids=["others-unknown", "others-zero"])
@pytest.mark.parametrize(("loss", "expected"), LOSS_EDGES, ids=[f"loss-{v}" for v, _ in LOSS_EDGES])
def test_grade_direct_loss_band_edges(loss, expected, others):
    assert grade(deaths=others, serious=others, loss=loss) == expected


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "expected"),
    [
        (0, 10, Decimal("0"), LARGER),
        (0, 0, Decimal("10000000"), LARGER),
        (1, 50, Decimal("0.01"), MAJOR),
        (3, 0, Decimal("100000000"), EXTRAORDINARY),
        (2, 9, Decimal("9999999.99"), GENERAL),
        (29, 99, Decimal("99999999.99"), MAJOR),
        (9, 100, Decimal("0"), EXTRAORDINARY),
        (30, 0, Decimal("0"), EXTRAORDINARY),
    ],
    ids=[
        "injuries-lift-to-larger",
        "loss-lifts-to-larger",
        "injuries-lift-to-major",
        "loss-lifts-to-extraordinary",
        "all-just-below-larger",
        "all-just-below-extraordinary",
        "injuries-lift-to-extraordinary",
        "deaths-lift-to-extraordinary",
    ],
)
def test_grade_is_highest_any_criterion_reaches(deaths, serious, loss, expected):
    assert grade(deaths=deaths, serious=serious, loss=loss) == expected


def test_grade_nothing_at_all_is_no_accident():
    assert grade(deaths=0, serious=0, loss=Decimal("0")) is None


def test_grade_all_unknown_is_none():
    assert grade(deaths=None, serious=None, loss=None) is None


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "expected"),
    [
        (None, 10, None, LARGER),
        (None, None, Decimal("0.01"), GENERAL),
        (3, None, None, LARGER),
        (None, 0, Decimal("50000000"), MAJOR),
        (0, None, None, None),
    ],
    ids=["only-injuries-known", "only-loss-known", "only-deaths-known", "deaths-pending", "only-zero-known"],
)
def test_grade_unknown_figures_are_left_out(deaths, serious, loss, expected):
    assert grade(deaths=deaths, serious=serious, loss=loss) == expected


def test_explain_grade_ignores_unknown_criterion_in_reasons():
    got, reasons = explain_grade(deaths=None, serious_injuries=10, direct_loss_yuan=None)
    assert got == LARGER
    assert reasons == ["附件5 较大：重伤（含急性工业中毒）10人以上"]


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "expected"),
    [
        (
            3,
            10,
            Decimal("0"),
            (LARGER, ["附件5 较大：死亡3人以上", "附件5 较大：重伤（含急性工业中毒）10人以上"]),
        ),
        (3, 1, Decimal("1"), (LARGER, ["附件5 较大：死亡3人以上"])),
        (0, 0, Decimal("0.01"), (GENERAL, ["附件5 一般：直接经济损失大于0元"])),
        (
            30,
            100,
            Decimal("100000000"),
            (
                EXTRAORDINARY,
                [
                    "附件5 特别重大：死亡30人以上",
                    "附件5 特别重大：重伤（含急性工业中毒）100人以上",
                    "附件5 特别重大：直接经济损失10000万元以上",
                ],
            ),
        ),
        (0, 0, Decimal("0"), (None, [])),
        (None, None, None, (None, [])),
    ],
    ids=["two-criteria", "only-top-band-listed", "loss-only", "all-three", "nothing", "all-unknown"],
)
def test_explain_grade_lists_the_criteria_that_reached_the_grade(deaths, serious, loss, expected):
    assert explain_grade(deaths=deaths, serious_injuries=serious, direct_loss_yuan=loss) == expected


@pytest.mark.parametrize(
    ("deaths", "serious", "loss"),
    [(0, 0, 0), (2, 9, Decimal("1")), (0, 49, None), (None, 99, Decimal("0.01")), (30, None, None)],
)
def test_grade_accident_agrees_with_explain_grade(deaths, serious, loss):
    explained, _ = explain_grade(deaths=deaths, serious_injuries=serious, direct_loss_yuan=loss)
    assert grade(deaths=deaths, serious=serious, loss=loss) == explained


def test_explain_grade_reason_names_the_threshold_as_documented():
    _, reasons = explain_grade(deaths=3, serious_injuries=None, direct_loss_yuan=None)
    assert reasons == ["附件5 较大：死亡3人以上"]


# ---- input types ------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", ["deaths", "serious", "loss"])
@pytest.mark.parametrize("value", [1.0, 0.0, 1e7], ids=["float-1", "float-0", "float-1e7"])
def test_grade_refuses_floats(criterion, value):
    with pytest.raises(TypeError):
        grade(**{criterion: value})


@pytest.mark.parametrize("criterion", ["deaths", "serious", "loss"])
def test_grade_refuses_bools(criterion):
    with pytest.raises(TypeError):
        grade(**{criterion: True})


@pytest.mark.parametrize("criterion", ["deaths", "serious", "loss"])
@pytest.mark.parametrize(
    "value", [-1, Decimal("-0.01"), "-1", Fraction(-1, 2)], ids=["int", "decimal", "str", "fraction"]
)
def test_grade_refuses_negative_values(criterion, value):
    with pytest.raises(ValueError):
        grade(**{criterion: value})


@pytest.mark.parametrize("criterion", ["deaths", "serious", "loss"])
@pytest.mark.parametrize("value", ["abc", "", "1/0", "nan", "inf", Decimal("NaN")])
def test_grade_refuses_non_numbers(criterion, value):
    with pytest.raises(ValueError):
        grade(**{criterion: value})


@pytest.mark.parametrize("criterion", ["deaths", "serious", "loss"])
def test_grade_refuses_decimal_infinity_with_value_error(criterion):
    with pytest.raises(ValueError):
        grade(**{criterion: Decimal("Infinity")})


@pytest.mark.parametrize(
    "deaths",
    [3, Decimal("3"), Decimal("3.0"), "3", " 3 ", "3/1", Fraction(3)],
    ids=["int", "decimal", "decimal-3.0", "str", "str-spaces", "str-fraction", "fraction"],
)
def test_grade_death_count_types_agree(deaths):
    assert grade(deaths=deaths) == LARGER


@pytest.mark.parametrize(
    "serious",
    [49, Decimal("49"), "49", Fraction(49)],
    ids=["int", "decimal", "str", "fraction"],
)
def test_grade_injury_count_types_agree(serious):
    assert grade(serious=serious) == LARGER


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        (10000000, LARGER),
        ("10000000", LARGER),
        ("10000000.00", LARGER),
        ("1e7", LARGER),
        (Fraction(10000000), LARGER),
        ("9999999.99", GENERAL),
        (Fraction(999999999, 100), GENERAL),
        ("99999999.99", MAJOR),
        (100000000, EXTRAORDINARY),
    ],
    ids=[
        "int",
        "str",
        "str-fen",
        "str-exponent",
        "fraction",
        "str-below-larger",
        "fraction-below-larger",
        "str-below-extraordinary",
        "int-extraordinary",
    ],
)
def test_grade_loss_types_agree(loss, expected):
    assert grade(loss=loss) == expected


def test_grade_loss_is_exact_just_below_ten_million():
    # Far beyond float precision: 9999999.999999999999 is still below 1000 万.
    assert grade(loss=Decimal("9999999.999999999999")) == GENERAL


# ---- 万元 → 元 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wan", "yuan"),
    [
        (Decimal("1000"), Decimal("10000000.00")),
        ("0.0001", Decimal("1.00")),
        (1000, Decimal("10000000.00")),
        ("1000", Decimal("10000000.00")),
        ("1e3", Decimal("10000000.00")),
        (Decimal("5000"), Decimal("50000000.00")),
        ("10000", Decimal("100000000.00")),
        ("999.9999", Decimal("9999999.00")),
        ("999.999999", Decimal("9999999.99")),
        ("999.99995", Decimal("9999999.50")),
        ("0", Decimal("0.00")),
    ],
    ids=[
        "1000-decimal",
        "0.0001",
        "1000-int",
        "1000-str",
        "1e3",
        "5000",
        "10000",
        "999.9999",
        "999.999999",
        "999.99995",
        "zero",
    ],
)
def test_yuan_from_wan_converts(wan, yuan):
    got = yuan_from_wan(wan)
    assert isinstance(got, Decimal)
    assert got == yuan
    assert got.as_tuple().exponent == -2  # always two places (分)


@pytest.mark.parametrize("wan", ["0.000001", "999.99995", "1234.567891", "0.0001"])
def test_yuan_from_wan_is_exact_up_to_six_decimal_places_of_wan(wan):
    # Six decimals of 万元 are whole 分: no rounding happens, the result is exactly wan × 10000.
    assert yuan_from_wan(wan) == Decimal(wan) * 10000


@pytest.mark.parametrize("wan", ["0.0000005", "0.0000015", "0.00000051", "0.00000049", "0.0000004"])
def test_yuan_from_wan_refuses_amounts_below_one_fen(wan):
    """Never rounds: an amount that is not a whole number of 分 is refused (DOMAIN.md §2: exactly)."""
    with pytest.raises(ValueError):
        yuan_from_wan(wan)


@pytest.mark.parametrize("wan", ["-1", "abc", "", "NaN", "Infinity", Decimal("NaN"), True])
def test_yuan_from_wan_refuses_negative_and_non_numbers(wan):
    with pytest.raises((ValueError, TypeError)):
        yuan_from_wan(wan)


@pytest.mark.parametrize("wan", [1000.0, 0.0001, 0.0])
def test_yuan_from_wan_refuses_floats(wan):
    with pytest.raises(TypeError):
        yuan_from_wan(wan)


@pytest.mark.parametrize(
    ("wan", "expected"),
    [
        ("1000", LARGER),
        ("999.9999", GENERAL),
        ("999.999999", GENERAL),
        ("5000", MAJOR),
        ("10000", EXTRAORDINARY),
    ],
)
def test_yuan_from_wan_feeds_grade_accident(wan, expected):
    assert grade(loss=yuan_from_wan(wan)) == expected


# ================================================================================================
# 附件4 (1): outage share
# ================================================================================================

SHARE_CASES = [
    (Fraction(1), I, "附件4 Ⅰ(1)"),
    (Decimal("1"), I, "附件4 Ⅰ(1)"),
    (Decimal("1.000"), I, "附件4 Ⅰ(1)"),
    (Fraction(999999, 1000000), II, "附件4 Ⅱ(1)"),
    (Decimal("0.999999"), II, "附件4 Ⅱ(1)"),
    (Fraction(1, 2), II, "附件4 Ⅱ(1)"),
    (Decimal("0.5"), II, "附件4 Ⅱ(1)"),
    (Fraction(499999, 1000000), III, "附件4 Ⅲ(1)"),
    (Decimal("0.499999"), III, "附件4 Ⅲ(1)"),
    (FORTY_PERCENT, III, "附件4 Ⅲ(1)"),
    (Fraction(1, 4), III, "附件4 Ⅲ(1)"),
    (Decimal("0.25"), III, "附件4 Ⅲ(1)"),
    (Fraction(249999, 1000000), IV, "附件4 Ⅳ(1)"),
    (Decimal("0.249999"), IV, "附件4 Ⅳ(1)"),
    (Decimal("0.2499999999999999999999"), IV, "附件4 Ⅳ(1)"),
    (Fraction(1, 10**9), IV, "附件4 Ⅳ(1)"),
    (Decimal("0.000001"), IV, "附件4 Ⅳ(1)"),
    ("2/5", III, "附件4 Ⅲ(1)"),
    ("0.5", II, "附件4 Ⅱ(1)"),
]


@pytest.mark.parametrize(
    ("share", "level", "clause"),
    SHARE_CASES,
    ids=[f"{type(s).__name__}-{s}" for s, _, _ in SHARE_CASES],
)
def test_outage_share_bands(share, level, clause):
    r = recommend(share=share)
    assert r.level == level
    assert r.clauses == (clause,)


@pytest.mark.parametrize("share", [Fraction(0), Decimal("0"), Decimal("0.000"), 0, "0"])
def test_outage_share_zero_matches_nothing(share):
    r = recommend(share=share)
    assert r.status == "none"
    assert r.level is None
    assert r.clauses == ()


def test_outage_share_unknown_matches_nothing():
    r = recommend(share=None)
    assert r.status == "none"
    assert r.clauses == ()


@pytest.mark.parametrize("share", [Fraction(1000001, 1000000), Decimal("1.01"), 2, "3/2"])
def test_outage_share_above_one_is_refused(share):
    with pytest.raises(ValueError):
        recommend(share=share)


@pytest.mark.parametrize("share", [-1, Decimal("-0.01"), Fraction(-1, 4)])
def test_outage_share_negative_is_refused(share):
    with pytest.raises(ValueError):
        recommend(share=share)


@pytest.mark.parametrize("share", [0.25, 0.5, 1.0])
def test_outage_share_float_is_refused(share):
    with pytest.raises(TypeError):
        recommend(share=share)


def test_outage_share_decimal_quarter_equals_fraction_quarter():
    by_decimal, by_fraction = recommend(share=Decimal("0.25")), recommend(share=Fraction(1, 4))
    assert by_decimal.matches == by_fraction.matches
    assert by_decimal.level == by_fraction.level == III


def test_outage_share_reading_given_when_there_is_a_share():
    assert READINGS["outage_share"] in recommend(share=FORTY_PERCENT).readings


@pytest.mark.parametrize("share", [None, Fraction(0)], ids=["unknown", "zero"])
def test_outage_share_reading_absent_without_a_share(share):
    assert READINGS["outage_share"] not in recommend(share=share, people=2).readings


def test_outage_share_match_carries_the_plans_words():
    (match,) = recommend(share=Fraction(1, 4)).matches
    assert match.text == "全城停热四分之一以上"
    assert match.level == III


# ================================================================================================
# 附件4 (2): accident condition (reading: a condition printed in two rows counts at the lower row)
# ================================================================================================


@pytest.mark.parametrize("accident", [LARGER, "larger"], ids=["enum", "str"])
def test_larger_accident_is_level_two(accident):
    r = recommend(accident=accident)
    assert r.level == II
    assert r.clauses == ("附件4 Ⅱ(2)",)


def test_larger_accident_offers_level_one_alternative():
    (alt,) = recommend(accident=LARGER).alternatives
    assert (alt.level, alt.clause) == (I, "附件4 Ⅰ(2)")
    assert alt.reason  # the reading explains why Ⅰ may be chosen without a deviation reason


@pytest.mark.parametrize("accident", [GENERAL, "general"], ids=["enum", "str"])
def test_general_accident_is_level_four(accident):
    r = recommend(accident=accident)
    assert r.level == IV
    assert r.clauses == ("附件4 Ⅳ(2)",)


def test_general_accident_offers_level_three_alternative():
    (alt,) = recommend(accident=GENERAL).alternatives
    assert (alt.level, alt.clause) == (III, "附件4 Ⅲ(2)")
    assert alt.reason


@pytest.mark.parametrize("accident", [LARGER, GENERAL])
def test_accident_printed_in_two_rows_gives_its_reading(accident):
    r = recommend(accident=accident)
    (match,) = r.matches
    assert match.reading
    assert match.reading in r.readings


@pytest.mark.parametrize("accident", [MAJOR, EXTRAORDINARY, "major", "extraordinary"])
def test_major_and_extraordinary_accidents_are_level_one_by_clause_one_three(accident):
    r = recommend(accident=accident)
    assert r.level == I
    assert r.clauses == ("附件4 Ⅰ(3)",)
    assert r.alternatives == ()


@pytest.mark.parametrize("accident", [MAJOR, EXTRAORDINARY])
def test_major_and_extraordinary_accidents_carry_the_beyond_capacity_reading(accident):
    r = recommend(accident=accident)
    (match,) = r.matches
    assert "省级" in match.reading
    assert match.reading in r.readings


@pytest.mark.parametrize(
    ("share", "accident", "people", "level", "alternatives"),
    [
        (FORTY_PERCENT, GENERAL, None, III, ()),
        (Fraction(1, 10), GENERAL, None, IV, ((III, "附件4 Ⅲ(2)"),)),
        (None, GENERAL, 2, III, ()),
        (None, GENERAL, 3, II, ()),
        (Fraction(1), LARGER, None, I, ()),
        (Fraction(3, 5), LARGER, None, II, ((I, "附件4 Ⅰ(2)"),)),
        (None, LARGER, 3, II, ((I, "附件4 Ⅰ(2)"),)),
        (None, LARGER, 10, I, ()),
    ],
    ids=[
        "general+40%-drops-III",
        "general+10%-keeps-III",
        "general+2-people-drops-III",
        "general+3-people-drops-III",
        "larger+100%-drops-I",
        "larger+60%-keeps-I",
        "larger+3-people-keeps-I",
        "larger+10-people-drops-I",
    ],
)
def test_alternative_dropped_when_conditions_already_reach_it(share, accident, people, level, alternatives):
    r = recommend(share=share, accident=accident, people=people)
    assert r.level == level
    assert tuple((a.level, a.clause) for a in r.alternatives) == alternatives


def test_general_accident_with_forty_percent_outage_lists_both_clauses():
    r = recommend(share=FORTY_PERCENT, accident=GENERAL)
    assert r.clauses == ("附件4 Ⅲ(1)", "附件4 Ⅳ(2)")


@pytest.mark.parametrize("accident", [None, ""], ids=["none", "empty"])
def test_no_accident_grade_gives_no_accident_clause(accident):
    r = recommend(accident=accident)
    assert r.status == "none"
    assert r.clauses == ()
    assert r.alternatives == ()


def test_unknown_accident_grade_is_refused():
    with pytest.raises(ValueError):
        recommend(accident="catastrophic")


@pytest.mark.parametrize(
    ("hours", "restored", "status"),
    [(Fraction(3), True, "lapsed"), (None, False, "no_outage")],
    ids=["lapsed", "no-outage"],
)
def test_no_alternative_when_annex4_does_not_hold(hours, restored, status):
    r = recommend(accident=LARGER, hours=hours, restored=restored)
    assert r.status == status
    assert r.alternatives == ()


# ================================================================================================
# 附件4 (3): people at risk / trapped / missing (peak); Ⅰ(3) beyond the city's capacity
# ================================================================================================

PEOPLE_CASES = [
    (1, III, "附件4 Ⅲ(3)"),
    (2, III, "附件4 Ⅲ(3)"),
    (3, II, "附件4 Ⅱ(3)"),
    (9, II, "附件4 Ⅱ(3)"),
    (10, I, "附件4 Ⅱ(3) 外推"),
    (50, I, "附件4 Ⅱ(3) 外推"),
    (1000, I, "附件4 Ⅱ(3) 外推"),
    (Decimal("3"), II, "附件4 Ⅱ(3)"),
    ("10", I, "附件4 Ⅱ(3) 外推"),
    (Fraction(2), III, "附件4 Ⅲ(3)"),
]


@pytest.mark.parametrize(
    ("people", "level", "clause"),
    PEOPLE_CASES,
    ids=[f"{type(p).__name__}-{p}" for p, _, _ in PEOPLE_CASES],
)
def test_people_at_risk_bands(people, level, clause):
    r = recommend(people=people)
    assert r.level == level
    assert r.clauses == (clause,)


@pytest.mark.parametrize(
    "people", [0, None, Decimal("0"), "0"], ids=["zero", "none", "decimal-zero", "str-zero"]
)
def test_no_people_at_risk_matches_nothing(people):
    r = recommend(people=people)
    assert r.status == "none"
    assert r.clauses == ()


@pytest.mark.parametrize("people", [10, 50])
def test_ten_or_more_people_is_an_extrapolation_with_a_reading(people):
    r = recommend(people=people)
    (match,) = r.matches
    assert match.level == I  # never "no level"
    assert "外推" in match.clause
    assert match.reading
    assert match.reading in r.readings


@pytest.mark.parametrize("people", [1, 9])
def test_people_below_ten_carry_no_extrapolation_reading(people):
    (match,) = recommend(people=people).matches
    assert match.reading == ""


def test_people_at_risk_float_is_refused():
    with pytest.raises(TypeError):
        recommend(people=2.0)


def test_people_at_risk_negative_is_refused():
    with pytest.raises(ValueError):
        recommend(people=-1)


def test_beyond_city_capacity_is_level_one():
    r = recommend(beyond_city_capacity=True)
    assert r.level == I
    assert r.clauses == ("附件4 Ⅰ(3)",)


def test_beyond_city_capacity_false_adds_nothing():
    assert recommend(beyond_city_capacity=False).clauses == ()


# ---- highest wins; every matched clause listed, once -------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "level", "clauses"),
    [
        (
            {"share": FORTY_PERCENT, "people": 2},
            III,
            ("附件4 Ⅲ(1)", "附件4 Ⅲ(3)"),
        ),
        (
            {"share": FORTY_PERCENT, "accident": LARGER},
            II,
            ("附件4 Ⅱ(2)", "附件4 Ⅲ(1)"),
        ),
        (
            {"share": Fraction(1, 10), "accident": GENERAL, "people": 2},
            III,
            ("附件4 Ⅲ(3)", "附件4 Ⅳ(1)", "附件4 Ⅳ(2)"),
        ),
        (
            {"share": Fraction(1, 10), "people": 12},
            I,
            ("附件4 Ⅱ(3) 外推", "附件4 Ⅳ(1)"),
        ),
        (
            {"share": Fraction(1), "accident": LARGER, "people": 5, "beyond_city_capacity": True},
            I,
            ("附件4 Ⅰ(1)", "附件4 Ⅰ(3)", "附件4 Ⅱ(2)", "附件4 Ⅱ(3)"),
        ),
        (
            {"share": Fraction(1, 2), "accident": GENERAL, "people": 1, "beyond_city_capacity": True},
            I,
            ("附件4 Ⅰ(3)", "附件4 Ⅱ(1)", "附件4 Ⅲ(3)", "附件4 Ⅳ(2)"),
        ),
    ],
    ids=[
        "40%+2-people",
        "40%+larger",
        "10%+general+2-people",
        "10%+12-people",
        "everything-level-I",
        "every-level-once",
    ],
)
def test_highest_level_wins_and_all_clauses_listed_in_order(kwargs, level, clauses):
    r = recommend(**kwargs)
    assert r.level == r.matched_level == level
    assert r.clauses == clauses  # highest level first, then the plan's (1)(2)(3)


@pytest.mark.parametrize("accident", [MAJOR, EXTRAORDINARY])
def test_clause_listed_once_when_two_inputs_lead_to_it(accident):
    r = recommend(accident=accident, beyond_city_capacity=True)
    assert r.clauses == ("附件4 Ⅰ(3)",)
    assert len(r.matches) == 1


def test_readings_have_no_duplicates():
    r = recommend(share=Fraction(1), accident=MAJOR, people=10, beyond_city_capacity=True)
    assert len(r.readings) == len(set(r.readings))


# ================================================================================================
# 附件4: the 24-hour criterion ("24 小时以上不能恢复供热", 以上包括本数)
# ================================================================================================

ALMOST_24 = Fraction(23 * 60 + 59, 60)
JUST_OVER_24 = Fraction(24 * 60 + 1, 60)


def test_23h59_is_provisional():
    r = recommend(share=FORTY_PERCENT, hours=ALMOST_24)
    assert r.status == "provisional"
    assert r.firm is False


def test_provisional_keeps_the_level():
    r = recommend(share=FORTY_PERCENT, hours=ALMOST_24)
    assert r.level == r.matched_level == III


def test_provisional_counts_down_to_firm():
    r = recommend(share=FORTY_PERCENT, hours=ALMOST_24)
    assert r.hours_until_firm == Fraction(1, 60)
    assert r.unrestored_hours == ALMOST_24


def test_provisional_gives_its_reading():
    assert READINGS["provisional"] in recommend(share=FORTY_PERCENT, hours=ALMOST_24).readings


def test_zero_hours_unrestored_is_provisional_with_full_countdown():
    r = recommend(share=FORTY_PERCENT, hours=0)
    assert r.status == "provisional"
    assert r.hours_until_firm == 24


@pytest.mark.parametrize(
    "hours",
    [24, Decimal("24"), Decimal("24.00"), Fraction(24), "24", JUST_OVER_24, Decimal("24.0001"), 1000],
    ids=[
        "int-24",
        "decimal-24",
        "decimal-24.00",
        "fraction-24",
        "str-24",
        "24h01",
        "decimal-24.0001",
        "1000",
    ],
)
def test_twenty_four_hours_or_more_is_firm(hours):
    r = recommend(share=FORTY_PERCENT, hours=hours)
    assert r.status == "firm"
    assert r.firm is True
    assert r.level == III
    assert r.hours_until_firm is None
    assert READINGS["firm"] in r.readings


@pytest.mark.parametrize("hours", [Decimal("23.99"), ALMOST_24, 0], ids=["23.99", "23h59", "zero"])
def test_restored_within_24_hours_lapses(hours):
    r = recommend(share=FORTY_PERCENT, hours=hours, restored=True)
    assert r.status == "lapsed"
    assert r.firm is False
    assert r.level is None
    assert r.matched_level == III
    assert r.hours_until_firm is None


def test_lapsed_gives_its_reading():
    r = recommend(share=FORTY_PERCENT, hours=Decimal("23.99"), restored=True)
    assert READINGS["lapsed"] in r.readings


@pytest.mark.parametrize("hours", [24, JUST_OVER_24, Decimal("30")], ids=["24", "24h01", "30"])
def test_restored_after_24_hours_stays_firm(hours):
    r = recommend(share=FORTY_PERCENT, hours=hours, restored=True)
    assert r.status == "firm"
    assert r.firm is True
    assert r.level == III


def test_no_outage_at_all_has_no_level():
    r = recommend(people=2, hours=None)
    assert r.status == "no_outage"
    assert r.firm is False
    assert r.level is None
    assert r.matched_level == III
    assert r.hours_until_firm is None


def test_no_outage_gives_its_reading_and_no_duration_reading():
    r = recommend(accident=LARGER, hours=None)
    assert READINGS["no_outage"] in r.readings
    assert READINGS["unrestored_hours"] not in r.readings


def test_duration_reading_given_when_hours_known():
    assert READINGS["unrestored_hours"] in recommend(share=FORTY_PERCENT, hours=ALMOST_24).readings


@pytest.mark.parametrize(
    ("hours", "restored"),
    [(FIRM_HOURS, False), (Fraction(3), False), (Fraction(3), True), (None, False)],
    ids=["firm-hours", "short", "restored", "no-outage"],
)
def test_nothing_matched_is_status_none(hours, restored):
    r = recommend(share=0, accident=None, people=0, hours=hours, restored=restored)
    assert r.status == "none"
    assert r.level is None
    assert r.matched_level is None
    assert r.firm is False
    assert r.clauses == ()
    assert r.alternatives == ()
    assert r.hours_until_firm is None


def test_unrestored_hours_float_is_refused():
    with pytest.raises(TypeError):
        recommend(share=FORTY_PERCENT, hours=24.0)


def test_unrestored_hours_negative_is_refused():
    with pytest.raises(ValueError):
        recommend(share=FORTY_PERCENT, hours=-1)


def test_unrestored_hours_returned_as_fraction():
    r = recommend(share=FORTY_PERCENT, hours=Decimal("23.5"))
    assert r.unrestored_hours == Fraction(47, 2)
    assert isinstance(r.unrestored_hours, Fraction)


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"share": FORTY_PERCENT}, "确定"),
        ({"share": FORTY_PERCENT, "hours": 1}, "暂定（条件已满足，待满24小时）"),
        ({"share": FORTY_PERCENT, "hours": 1, "restored": True}, "已失效（24小时内恢复供热）"),
        ({"share": FORTY_PERCENT, "hours": None}, "不适用（未停热）"),
        ({}, "无"),
    ],
    ids=["firm", "provisional", "lapsed", "no_outage", "none"],
)
def test_status_label(kwargs, label):
    assert recommend(**kwargs).status_label == label


# ================================================================================================
# The acceptance example and the immediate option (condition 4)
# ================================================================================================


@pytest.mark.parametrize(
    "share", [FORTY_PERCENT, Decimal("0.40"), Fraction(2, 5)], ids=["fraction", "decimal", "2/5"]
)
def test_acceptance_burst_at_heat_station_thirty_hours_is_firm_level_three(share):
    """热力站爆管，停热面积占建成区 40%，2 人被困，预计 30 小时恢复 → Ⅲ级，确定。"""
    r = recommend(share=share, accident=None, people=2, hours=30)
    assert r.level == III
    assert r.firm is True
    assert r.status == "firm"
    assert r.clauses == ("附件4 Ⅲ(1)", "附件4 Ⅲ(3)")
    assert r.alternatives == ()


def test_acceptance_burst_at_heat_station_twenty_hours_is_provisional_level_three():
    r = recommend(share=FORTY_PERCENT, accident=None, people=2, hours=20)
    assert r.level == III
    assert r.status == "provisional"
    assert r.firm is False
    assert r.clauses == ("附件4 Ⅲ(1)", "附件4 Ⅲ(3)")
    assert r.hours_until_firm == 4


@pytest.mark.parametrize(
    ("people", "deaths", "expected"),
    [
        (2, None, True),
        (1, 0, True),
        (0, 1, True),
        (None, "2", True),
        (0, None, False),
        (None, None, False),
        (0, 0, False),
        (None, Decimal("0"), False),
    ],
    ids=[
        "trapped",
        "trapped-no-deaths",
        "dead",
        "dead-str",
        "no-one",
        "unknown",
        "zero-zero",
        "deaths-decimal-zero",
    ],
)
def test_immediate_option(people, deaths, expected):
    assert recommend(share=FORTY_PERCENT, people=people, deaths=deaths).immediate_option is expected


def test_immediate_option_offered_even_when_nothing_matched():
    r = recommend(share=0, people=0, deaths=1)
    assert r.status == "none"
    assert r.immediate_option is True


def test_deaths_float_is_refused():
    with pytest.raises(TypeError):
        recommend(share=FORTY_PERCENT, deaths=1.0)


@pytest.mark.parametrize(
    ("kwargs", "clause"),
    [
        ({"share": Fraction(1)}, "附件4 Ⅰ(4)"),
        ({"share": Fraction(1, 2)}, "附件4 Ⅱ(4)"),
        ({"share": FORTY_PERCENT}, "附件4 Ⅲ(4)"),
        ({"share": Fraction(1, 10)}, "附件4 Ⅳ(3)"),
        ({}, "附件4 Ⅳ(3)"),
        ({"share": Fraction(1, 2), "hours": 1, "restored": True}, "附件4 Ⅱ(4)"),
        ({"people": 12, "hours": None}, "附件4 Ⅰ(4)"),
    ],
    ids=["I", "II", "III", "IV-has-three-conditions", "nothing-matched", "lapsed", "no-outage"],
)
def test_condition_4_clause(kwargs, clause):
    assert recommend(**kwargs).condition_4_clause == clause


SCENARIOS = [
    {},
    {"share": FORTY_PERCENT},
    {"share": FORTY_PERCENT, "hours": 3},
    {"share": FORTY_PERCENT, "hours": 3, "restored": True},
    {"accident": LARGER, "hours": None},
    {"accident": MAJOR, "people": 20, "beyond_city_capacity": True},
]
SCENARIO_IDS = ["none", "firm", "provisional", "lapsed", "no_outage", "everything"]


@pytest.mark.parametrize("kwargs", SCENARIOS, ids=SCENARIO_IDS)
def test_readings_always_include_condition_4(kwargs):
    assert READINGS["condition_4"] in recommend(**kwargs).readings


@pytest.mark.parametrize("kwargs", SCENARIOS, ids=SCENARIO_IDS)
def test_readings_always_include_highest_level_reading(kwargs):
    assert READINGS["highest"] in recommend(**kwargs).readings


@pytest.mark.parametrize("kwargs", SCENARIOS, ids=SCENARIO_IDS)
def test_plan_code_is_2021_by_default(kwargs):
    assert recommend(**kwargs).plan_code == "2021"


# ================================================================================================
# The rules come from data (a revised plan version, §8.2)
# ================================================================================================


def test_calls_do_not_mutate_the_2021_rules():
    before = rules_2021_copy()
    recommend(share=Fraction(1), accident=MAJOR, people=12, beyond_city_capacity=True, hours=3)
    grade(deaths=30, serious=100, loss=Decimal("100000000"))
    assert before == RULES_2021


@pytest.mark.parametrize(
    ("hours", "status"),
    [(Fraction(12), "firm"), (Fraction(23), "firm"), (Fraction(11), "provisional")],
    ids=["12h-firm", "23h-firm", "11h-provisional"],
)
def test_firm_after_hours_comes_from_data(hours, status):
    rules = rules_2021_copy()
    rules["firm_after_hours"] = "12"
    assert recommend(share=FORTY_PERCENT, hours=hours, rules=rules).status == status


def test_countdown_follows_firm_after_hours_from_data():
    rules = rules_2021_copy()
    rules["firm_after_hours"] = "12"
    assert recommend(share=FORTY_PERCENT, hours=11, rules=rules).hours_until_firm == 1


def test_lapse_follows_firm_after_hours_from_data():
    rules = rules_2021_copy()
    rules["firm_after_hours"] = "12"
    assert recommend(share=FORTY_PERCENT, hours=13, restored=True, rules=rules).status == "firm"
    assert recommend(share=FORTY_PERCENT, hours=11, restored=True, rules=rules).status == "lapsed"


@pytest.mark.parametrize(
    ("hours", "restored"),
    [(5, False), (5, True)],
    ids=["provisional", "lapsed"],
)
def test_status_label_follows_firm_after_hours_from_data(hours, restored):
    rules = rules_2021_copy()
    rules["firm_after_hours"] = "12"
    r = recommend(share=FORTY_PERCENT, hours=hours, restored=restored, rules=rules)
    assert "24" not in r.status_label


@pytest.mark.parametrize(
    ("people", "level", "clause"),
    [(4, III, "附件4 Ⅲ(3)"), (5, II, "附件4 Ⅱ(3)"), (19, II, "附件4 Ⅱ(3)"), (20, I, "附件4 Ⅱ(3) 外推")],
)
def test_people_bands_come_from_data(people, level, clause):
    rules = rules_2021_copy()
    top, middle, bottom = rules["people_at_risk"]
    top["lower"] = "20"
    middle["lower"], middle["upper"] = "5", "20"
    bottom["upper"] = "5"
    r = recommend(people=people, rules=rules)
    assert (r.level, r.clauses) == (level, (clause,))


@pytest.mark.parametrize(
    ("share", "level"),
    [(Fraction(1, 5), III), (Fraction(199, 1000), IV), (Fraction(1, 4), III)],
    ids=["1/5-now-III", "just-below-1/5-IV", "1/4-still-III"],
)
def test_outage_share_bands_come_from_data(share, level):
    rules = rules_2021_copy()
    bands = {band["level"]: band for band in rules["outage_share"]}
    bands[3]["lower"] = "1/5"
    bands[4]["upper"] = "1/5"
    assert recommend(share=share, rules=rules).level == level


def test_outage_share_lower_inclusive_flag_comes_from_data():
    rules = rules_2021_copy()
    bands = {band["level"]: band for band in rules["outage_share"]}
    bands[3]["lower_inclusive"] = False  # "超过四分之一" instead of "四分之一以上"
    bands[4]["upper"] = "1/2"  # not a realistic plan; shows the flag is read
    r = recommend(share=Fraction(1, 4), rules=rules)
    assert r.clauses == ("附件4 Ⅳ(1)",)


def test_accident_row_comes_from_data():
    rules = rules_2021_copy()
    larger = next(row for row in rules["accident"] if row["grade"] == "larger")
    larger["level"], larger["clause"] = 1, "Ⅰ(2)"
    del larger["alternative"]
    r = recommend(accident=LARGER, rules=rules)
    assert r.level == I
    assert r.clauses == ("附件4 Ⅰ(2)",)
    assert r.alternatives == ()


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [(4, GENERAL), (5, LARGER), (9, LARGER)],
)
def test_accident_grade_bands_come_from_data(deaths, expected):
    rules = rules_2021_copy()
    larger = next(band for band in rules["accident_grades"] if band["grade"] == "larger")
    larger["deaths"] = ["5", True]
    assert grade(deaths=deaths, rules=rules) == expected


def test_accident_grade_inclusive_flag_comes_from_data():
    rules = rules_2021_copy()
    larger = next(band for band in rules["accident_grades"] if band["grade"] == "larger")
    larger["direct_loss_yuan"] = ["10000000", False]  # "超过1000万元"
    assert grade(loss=Decimal("10000000"), rules=rules) == GENERAL
    assert grade(loss=Decimal("10000000.01"), rules=rules) == LARGER


def test_explain_grade_clause_comes_from_data():
    rules = rules_2021_copy()
    rules["accident_grades"][2]["clause"] = "附件6 较大"
    assert explain_grade(deaths=3, serious_injuries=None, direct_loss_yuan=None, rules=rules) == (
        LARGER,
        ["附件6 较大：死亡3人以上"],
    )


def test_beyond_capacity_clause_comes_from_data():
    rules = rules_2021_copy()
    rules["beyond_city_capacity"]["clause"] = "Ⅰ(9)"
    assert recommend(beyond_city_capacity=True, rules=rules).clauses == ("附件4 Ⅰ(9)",)


def test_command_judgment_clause_comes_from_data():
    rules = rules_2021_copy()
    rules["command_judgment"]["4"] = "Ⅳ(4)"
    assert recommend(rules=rules).condition_4_clause == "附件4 Ⅳ(4)"


def test_readings_come_from_data():
    rules = rules_2021_copy()
    rules["readings"]["firm"] = "修订版：确定。"
    rules["readings"]["condition_4"] = "修订版：第4项。"
    readings = recommend(share=FORTY_PERCENT, rules=rules).readings
    assert "修订版：确定。" in readings
    assert "修订版：第4项。" in readings
    assert READINGS["firm"] not in readings


def test_plan_code_comes_from_data():
    rules = rules_2021_copy()
    rules["code"] = "2026"
    assert recommend(share=FORTY_PERCENT, rules=rules).plan_code == "2026"


# ---- fixes from the first review ----------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"deaths": "2.5"}, {"serious": Fraction(1, 2)}])
def test_counts_of_people_must_be_whole(kwargs):
    with pytest.raises(ValueError):
        grade(**kwargs)


def test_people_at_risk_must_be_whole():
    with pytest.raises(ValueError):
        recommend(people=Fraction(1, 2))


def test_accident_bands_do_not_depend_on_the_order_of_the_data():
    rules = rules_2021_copy()
    rules["accident_grades"].reverse()
    assert grade(deaths=30, rules=rules) == EXTRAORDINARY
    assert grade(deaths=3, rules=rules) == LARGER


def test_people_band_honours_lower_inclusive_from_data():
    rules = rules_2021_copy()
    rules["people_at_risk"][1]["lower_inclusive"] = False  # Ⅱ(3): more than 3
    assert recommend(people=3, rules=rules).clauses == ()
    assert recommend(people=4, rules=rules).level == II


def test_the_reading_of_the_band_edges_is_shown():
    r = recommend(share=FORTY_PERCENT)
    assert any("未写下限" in reading for reading in r.readings)
