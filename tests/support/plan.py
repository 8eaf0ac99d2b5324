"""The plan's full text (运政办发〔2021〕68 号) beside the repository, for the verbatim checks."""

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


PLAN_DOC_NO = "运政办发〔2021〕68"


def plan_text_file():
    """The plan's full text: ``shared/seed/*.txt`` beside the repository (or above it), the one that holds
    运政办发〔2021〕68 号. None when there is no such file."""
    for base in (REPO_ROOT.parent, *REPO_ROOT.parents):
        seed_dir = base / "shared" / "seed"
        if seed_dir.is_dir():
            for path in sorted(seed_dir.glob("*.txt")):
                if PLAN_DOC_NO in path.read_text(encoding="utf-8"):
                    return path
    return None


def strip_ws(text):
    return re.sub(r"\s+", "", text)
