"""Issue 17 point 11: the UI and the exports cite the plan's clauses only, never the project's internal
DOMAIN.md; a reading is marked 解读 (templates, permission rules, the plan data, the state machine,
the reminder policies)."""

import re
from pathlib import Path

from command.reminders.kinds import KINDS
from incidents.lifecycle import MOVES
from orgchart import loader, plan_2021
from orgchart.permissions import RULES

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def test_no_template_shows_domain_md():
    shown = {
        str(p.relative_to(TEMPLATES)): COMMENT.sub("", p.read_text(encoding="utf-8"))
        for p in TEMPLATES.rglob("*.html")
    }
    assert [name for name, text in shown.items() if "DOMAIN" in text] == []


def test_no_clause_in_the_data_cites_domain_md():
    clauses = [r.clause for r in RULES.values()]
    clauses += [str(m.clause) for m in MOVES.values()]
    clauses += [str(k.get("clause", "")) for k in KINDS.values()]
    clauses += [p["clause"] for p in plan_2021.POSITIONS]
    clauses += [loader.DEFAULT_SERVICE_AREA["clause"]]
    assert clauses and [c for c in clauses if "DOMAIN" in c] == []


def test_readings_are_marked_as_such():
    for code in ("duty_officer", "duty_leader"):
        position = next(p for p in plan_2021.POSITIONS if p["code"] == code)
        assert "解读" in position["clause"]
    assert RULES["level.phone_record"].clause == "§5.3（电话请示，解读）"
    assert "解读" in loader.DEFAULT_SERVICE_AREA["clause"]
