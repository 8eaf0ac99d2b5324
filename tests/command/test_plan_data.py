"""The checklists are the plan's own words: every item is an exact piece of the seed text."""

import re

import pytest

from command.response.emergency_plan import CHECKLISTS


def _flat(text):
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed(plan_text):
    return _flat(plan_text)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_checklist_item_is_the_plans_text(seed, level):
    for code, clause, text in CHECKLISTS[level]:
        assert _flat(text) in seed, (code, text)
        assert clause.startswith("§5.3.")


def test_level_2_is_the_eight_duties_of_5_3_3_and_level_1_adds_5_3_4():
    assert [c for c, *_ in CHECKLISTS[2]] == [f"5.3.3-{i}" for i in range(1, 9)]
    assert CHECKLISTS[1][:8] == CHECKLISTS[2]
    assert {cl for _c, cl, _t in CHECKLISTS[1][8:]} == {"§5.3.4"}
    assert [cl for _c, cl, _t in CHECKLISTS[2]] == [f"§5.3.3({i})" for i in range(1, 9)]


def test_the_county_governments_duties_are_the_plans_text(seed):
    from command.response.emergency_plan import COUNTY_GOVERNMENT_DUTIES

    assert [c for c, _t in COUNTY_GOVERNMENT_DUTIES] == ["§5.2", "§6.3", "§7.1"]
    for clause, text in COUNTY_GOVERNMENT_DUTIES:
        assert _flat(text) in seed, (clause, text)
