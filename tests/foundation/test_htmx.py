"""One way to answer htmx (config/htmx.py, issue 18): a piece of the page for an htmx request, the whole
page otherwise and for a history restore; 204 for a poll whose piece is unchanged."""

from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from config.htmx import asked_part, render_page, unchanged, wants_partial

HX = {"HTTP_HX_REQUEST": "true"}
RESTORE = {**HX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


def get(query="", **headers):
    request = RequestFactory().get(f"/x/{query}", **headers)
    request.htmx = HtmxDetails(request)
    return request


def test_only_an_htmx_request_that_is_not_a_history_restore_wants_a_piece():
    assert not wants_partial(get())
    assert wants_partial(get(**HX))
    assert not wants_partial(get(**RESTORE))


def test_the_part_asked_for():
    assert asked_part(get("?part=board", **HX)) == "board"
    assert asked_part(get("?part=board")) is None  # without htmx: the page
    assert asked_part(get("?part=board", **RESTORE)) is None  # the Back button: the page
    assert asked_part(get("?part=other", **HX), ("board",)) is None
    assert asked_part(get(**HX)) is None


def test_an_unchanged_poll_answers_204_and_a_plain_request_gets_the_page(monkeypatch):
    rendered = []
    monkeypatch.setattr("config.htmx.render", lambda request, name, context, status: rendered.append(name))
    assert unchanged(get("?sig=abc", **HX), "abc") and not unchanged(get("?sig=abc"), "abc")
    assert (
        render_page(get("?sig=abc", **HX), "p.html", {}, partial="board", signature="abc").status_code == 204
    )
    render_page(get("?sig=old", **HX), "p.html", {}, partial="board", signature="abc")
    render_page(get("?sig=abc"), "p.html", {}, partial="board", signature="abc")
    render_page(get(**RESTORE), "p.html", {}, partial="board")
    assert rendered == ["p.html#board", "p.html", "p.html"]
