"""The outage share's denominator as the pages show it (templates/incidents/_denominator.html)."""

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import translation


def test_demo_totals_are_marked_in_the_pages_language():
    """Demo heated areas carry a badge in Chinese, not an English "demo" (issue 17 point 11)."""
    area = SimpleNamespace(name="运城市城市建成区", heated_area_m2=35_000_000, totals_are_demo=True)
    with translation.override("zh-hans"):
        html = render_to_string("incidents/_denominator.html", {"share": None, "service_area": area})
    assert "演示</span>" in html and ">demo<" not in html
    assert "运城市城市建成区" in html
