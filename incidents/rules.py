"""The plan's grading and response-level rules as pure functions: no database, exact arithmetic.

Contract (an external audit script calls these; keep names and meanings):

- ``grade_accident(*, deaths, serious_injuries, direct_loss_yuan)`` → ``AccidentGrade`` or ``None`` (附件5).
- ``recommend_level(*, outage_share, accident_grade, people_at_risk, unrestored_hours,
  beyond_city_capacity=False)`` → ``Recommendation`` with ``.level`` (``ResponseLevel`` or ``None``),
  ``.firm``, ``.clauses`` (every matched clause, e.g. "附件4 Ⅱ(1)"), ``.alternatives``, ``.readings``.

Thresholds and readings come from the plan version's rule data (``plan_rules.RULES_2021`` by default;
pass ``rules=PlanVersion.rules`` for another version). "以上"包括本数，"以下"不包括本数 (附件4、附件5 注).
Numbers must be exact: ints, ``Decimal``, ``Fraction`` or numeric strings; a float is refused.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .choices import AccidentGrade, ResponseLevel
from .plan_rules import RULES_2021

ANNEX4 = "附件4"


def _exact(value, name, *, whole=False):
    """Fraction of an exact number; floats are refused (binary fractions are not the plan's numbers).
    ``whole``: a count of people, which must be a whole number."""
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"{name} must be exact (int, Decimal, Fraction or str), not {type(value).__name__}")
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError) as exc:
        raise ValueError(f"{name}: {value!r} is not a finite number") from exc
    if number < 0:
        raise ValueError(f"{name} must not be negative: {value!r}")
    if whole and number.denominator != 1:
        raise ValueError(f"{name} must be a whole number: {value!r}")
    return number


def _at_least(value, bound):
    """[lower, …): ``bound`` is [number, inclusive]."""
    number, inclusive = Fraction(bound[0]), bound[1]
    return value >= number if inclusive else value > number


# ------------------------------------------------------------------------------------------------
# 附件5: accident grade
# ------------------------------------------------------------------------------------------------


def grade_accident(*, deaths, serious_injuries, direct_loss_yuan, rules=None):
    """The highest grade any one criterion reaches (或者), or None (no accident). ``None`` inputs are
    unknown / 待核定 and are left out (the caller marks such a grade provisional)."""
    grade, _reasons = explain_grade(
        deaths=deaths, serious_injuries=serious_injuries, direct_loss_yuan=direct_loss_yuan, rules=rules
    )
    return grade


def explain_grade(*, deaths, serious_injuries, direct_loss_yuan, rules=None):
    """(grade or None, [the criteria that reached it, e.g. "附件5 较大：死亡3人以上"])."""
    rules = RULES_2021 if rules is None else rules
    values = {
        "deaths": _exact(deaths, "deaths", whole=True),
        "serious_injuries": _exact(serious_injuries, "serious_injuries", whole=True),
        "direct_loss_yuan": _exact(direct_loss_yuan, "direct_loss_yuan"),
    }
    bands = sorted(rules["accident_grades"], key=lambda b: AccidentGrade(b["grade"]).rank, reverse=True)
    for band in bands:  # highest first, whatever the order of the data
        reasons = [
            f"{band['clause']}：{_criterion_text(k, band[k])}"
            for k, v in values.items()
            if v is not None and _at_least(v, band[k])
        ]
        if reasons:
            return AccidentGrade(band["grade"]), reasons
    return None, []


def _criterion_text(key, bound):
    """ "死亡3人以上", "直接经济损失1000万元以上", "直接经济损失大于0元" (以上包括本数)."""
    number, inclusive = Decimal(bound[0]), bound[1]
    if key == "direct_loss_yuan":
        wan = number / 10000
        amount = f"{wan.normalize():f}万元" if number >= 10000 else f"{number.normalize():f}元"
    else:
        amount = f"{number.normalize():f}人"
    label = {
        "deaths": "死亡",
        "serious_injuries": "重伤（含急性工业中毒）",
        "direct_loss_yuan": "直接经济损失",
    }[key]
    return f"{label}{amount}以上" if inclusive else f"{label}大于{amount}"


def yuan_from_wan(wan):
    """万元 → 元, exactly (the form takes either). Refuses what is not a whole number of 分 (0.01 元),
    negative amounts, and anything that is not a finite number: never rounds."""
    if isinstance(wan, bool | float):
        raise TypeError("万元 must be exact, not float")
    try:
        value = wan if isinstance(wan, Decimal) else Decimal(str(wan).strip())
        if not value.is_finite():
            raise ValueError
        yuan = value * 10000
        exact = yuan.quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError) as exc:
        raise ValueError(f"not an amount of 万元: {wan!r}") from exc
    if yuan < 0:
        raise ValueError(f"amount must not be negative: {wan!r}")
    if exact != yuan:
        raise ValueError(f"{wan!r} 万元 is not a whole number of 分 (0.01 元)")
    return exact


# ------------------------------------------------------------------------------------------------
# 附件4: recommended response level
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    level: ResponseLevel
    clause: str  # "附件4 Ⅲ(1)"
    text: str  # the plan's words
    reading: str = ""  # set where DOMAIN.md gives a reading of an ambiguous clause


@dataclass(frozen=True)
class Alternative:
    level: ResponseLevel
    clause: str
    reason: str


@dataclass(frozen=True)
class Recommendation:
    level: ResponseLevel | None  # the 附件4 level: None when nothing matched, lapsed or no outage
    matched_level: ResponseLevel | None  # highest level the matched conditions reach, whatever the 24 h
    firm: bool  # 24-hour criterion holds: a trigger (the hours come from the plan version's data)
    status: str  # "firm" | "provisional" | "lapsed" | "no_outage" | "none"
    matches: tuple = ()
    alternatives: tuple = ()
    readings: tuple = ()
    unrestored_hours: Fraction | None = None
    hours_until_firm: Fraction | None = None
    condition_4_clause: str = ""  # the command's judgment for the matched (or Ⅳ) level
    immediate_option: bool = False  # people trapped or dead: "可依第4项立即启动"
    plan_code: str = ""
    firm_after_hours: Fraction = Fraction(24)
    notes: tuple = field(default_factory=tuple)

    @property
    def clauses(self):
        return tuple(m.clause for m in self.matches)

    @property
    def status_label(self):
        hours = str(self.firm_after_hours)  # from the plan version's data, e.g. "24"
        return {
            "firm": "确定",
            "provisional": f"暂定（条件已满足，待满{hours}小时）",
            "lapsed": f"已失效（{hours}小时内恢复供热）",
            "no_outage": "不适用（未停热）",
            "none": "无",
        }[self.status]


def recommend_level(
    *,
    outage_share,
    accident_grade,
    people_at_risk,
    unrestored_hours,
    beyond_city_capacity=False,
    restored=False,
    deaths=None,
    rules=None,
):
    """附件4 with the readings of DOMAIN.md §3.

    ``outage_share`` affected ÷ service-area heated area (exact; None = unknown or no outage);
    ``unrestored_hours`` the outage's length so far (None = no outage at all); ``restored`` whether heat
    is back (then a recommendation under 24 h lapses); ``deaths`` only decides the immediate option.
    """
    rules = RULES_2021 if rules is None else rules
    share = _exact(outage_share, "outage_share")
    at_risk = _exact(people_at_risk, "people_at_risk", whole=True)
    hours = _exact(unrestored_hours, "unrestored_hours")
    grade = AccidentGrade(accident_grade) if accident_grade else None
    if share is not None and share > 1:
        raise ValueError(f"outage_share cannot exceed 1: {outage_share!r}")

    matches, alternatives, readings = _conditions(rules, share, grade, at_risk, beyond_city_capacity)
    # One clause once; order: highest level first, then the plan's (1)(2)(3).
    unique = {}
    for m in matches:
        unique.setdefault(m.clause, m)
    matches = sorted(unique.values(), key=lambda m: (m.level, m.clause))
    matched_level = min((m.level for m in matches), default=None)
    readings += [m.reading for m in matches if m.reading]
    # An alternative matters only when it is above what the conditions already give.
    alternatives = [a for a in alternatives if matched_level is None or a.level < matched_level]

    firm_after = Fraction(rules["firm_after_hours"])
    status, level = _status(matched_level, hours, firm_after, restored)
    readings += _status_readings(rules, status, hours)
    if status not in ("firm", "provisional"):
        alternatives = []  # the upper row needs the 24-hour criterion too: nothing to choose from

    judged = matched_level or ResponseLevel.IV
    dead = _exact(deaths, "deaths", whole=True)
    return Recommendation(
        level=ResponseLevel(level) if level else None,
        matched_level=ResponseLevel(matched_level) if matched_level else None,
        firm=status == "firm",
        status=status,
        matches=tuple(matches),
        alternatives=tuple(alternatives),
        readings=tuple(dict.fromkeys(r for r in readings if r)),
        unrestored_hours=hours,
        hours_until_firm=(firm_after - hours) if status == "provisional" else None,
        condition_4_clause=f"{ANNEX4} {rules['command_judgment'][str(int(judged))]}",
        immediate_option=bool(at_risk) or bool(dead),
        plan_code=rules["code"],
        firm_after_hours=firm_after,
    )


def _conditions(rules, share, grade, at_risk, beyond_city_capacity):
    """The 附件4 conditions the figures meet, row by row: (matches, alternatives, readings)."""
    matches, alternatives, readings = [], [], [rules["readings"]["highest"]]
    if share is not None and share > 0:
        matches += _outage_share_matches(rules, share)  # 附件4 (1)
        readings.append(rules["readings"]["outage_share"])
    if grade is not None:
        accident, alternatives = _accident_matches(rules, grade)  # 附件4 (2), by the 附件5 grade
        matches += accident
    if at_risk:
        matches += _people_at_risk_matches(rules, at_risk)  # 附件4 (3)
    if beyond_city_capacity:
        cap = rules["beyond_city_capacity"]
        matches.append(Match(ResponseLevel(cap["level"]), f"{ANNEX4} {cap['clause']}", cap["text"]))
    return matches, alternatives, readings


def _outage_share_matches(rules, share):
    """附件4 (1): the bands of the outage share the share falls in (bounds from the plan's data)."""
    matches = []
    for band in rules["outage_share"]:
        lower_ok = _at_least(share, [band["lower"], band["lower_inclusive"]])
        upper_ok = band["upper"] is None or share < Fraction(band["upper"])
        if lower_ok and upper_ok:
            matches.append(Match(ResponseLevel(band["level"]), f"{ANNEX4} {band['clause']}", band["text"]))
    return matches


def _accident_matches(rules, grade):
    """附件4 (2): the rows of the accident's grade, and the upper alternatives they allow."""
    matches, alternatives = [], []
    for row in rules["accident"]:
        if row["grade"] == grade.value:
            matches.append(
                Match(
                    ResponseLevel(row["level"]),
                    f"{ANNEX4} {row['clause']}",
                    row["text"],
                    row.get("reading", ""),
                )
            )
            if alt := row.get("alternative"):
                alternatives.append(
                    Alternative(
                        ResponseLevel(alt["level"]), f"{ANNEX4} {alt['clause']}", row.get("reading", "")
                    )
                )
    return matches, alternatives


def _people_at_risk_matches(rules, at_risk):
    """附件4 (3): the bands of the people at risk (涉险、被困、失联, at their peak)."""
    matches = []
    for band in rules["people_at_risk"]:
        lower_ok = _at_least(at_risk, [band["lower"], band.get("lower_inclusive", True)])
        if lower_ok and (band["upper"] is None or at_risk < Fraction(band["upper"])):
            matches.append(
                Match(
                    ResponseLevel(band["level"]),
                    f"{ANNEX4} {band['clause']}",
                    band["text"],
                    band.get("reading", ""),
                )
            )
    return matches


def _status(matched_level, hours, firm_after, restored):
    """(status, level) by the 24-hour criterion (附件4; the hours from the plan's data)."""
    if matched_level is None:
        return "none", None
    if hours is None:
        return "no_outage", None
    if hours >= firm_after:
        return "firm", matched_level
    if restored:
        return "lapsed", None
    return "provisional", matched_level


def _status_readings(rules, status, hours):
    """The readings (DOMAIN.md §3) the status, the bands, the hours and condition (4) bring."""
    readings = []
    if status in ("firm", "provisional", "lapsed", "no_outage"):
        readings.append(rules["readings"][status])
    if "bands" in rules["readings"]:
        readings.append(rules["readings"]["bands"])
    if hours is not None:
        readings.append(rules["readings"]["unrestored_hours"])
    readings.append(rules["readings"]["condition_4"])
    return readings
