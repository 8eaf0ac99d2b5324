"""The Content-Security-Policy holds on the main pages (issue 16): opened WITHOUT bypassing it, no page
logs a CSP violation ("Refused to …": an inline script, an eval, a foreign source) nor an htmx eval
refusal, and the htmx polls and forms still work (the report form's live check, the overview's poll)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page):
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if "Refused to" in m.text or "Content Security Policy" in m.text or "evalDisallowed" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def test_the_main_pages_keep_the_content_security_policy(live_server, new_page, login, demo):
    from aftermath.demo import load_demo_incidents
    from incidents.models import Incident

    load_demo_incidents()
    yanhu = Incident.objects.get(title__startswith="盐湖区", title__endswith="（演示）")
    page = new_page("desktop")
    problems = _watch(page)
    page.goto(f"{live_server.url}/login/")
    response = page.goto(f"{live_server.url}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    login(page, "director")
    urls = [
        "/",
        "/wall/",
        "/incidents/",
        f"/incidents/{yanhu.pk}/",
        "/incidents/new/",
        f"/command/incidents/{yanhu.pk}/",
        f"/command/incidents/{yanhu.pk}/tasks/",
        "/command/",
        "/command/charts/",
        "/command/statistics/",
        f"/documents/incidents/{yanhu.pk}/",
        "/org/",
        "/org/duty/",
    ]
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert not problems, (url, problems)
    # the report form's live check runs (htmx, static/js/report-form.js) under the policy
    page.goto(f"{live_server.url}/incidents/new/")
    page.fill("#id_title", "测试：内容安全策略")
    page.wait_for_load_state("networkidle")
    assert not problems, problems
