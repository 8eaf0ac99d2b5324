"""Find every form of the site and post bad input to it (issue 16).

- ``crawl``: GET the pages reachable from a few seeds as one user (each URL pattern at most twice, so the
  walk is bounded whatever the data), parse every ``<form>`` on them (``FormParser``, stdlib only), and
  keep one form per action pattern and field set.
- ``Poster``: post a form with one field (or every visible field) replaced by a payload; report a server
  error, and, when the answer is an error (4xx, an error message, a form shown again with errors), any
  change in the row counts of the application's tables (one SQL query).
"""

import re
import time
from collections import Counter, deque
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.apps import apps
from django.contrib.messages import constants
from django.db import connection, transaction
from django.urls import Resolver404, resolve

# The bad inputs every field gets (issue 16).
PAYLOADS = {
    "nul": "停热\x00扩大",
    "year_0001": "0001-01-01T00:00",
    "year_9999": "9999-12-31T23:59",
    "1e309": "1e309",
    "nan": "NaN",
    "minus_1": "-1",
    "20000_chars": "长" * 20000,
    "rtl_override": "\u202etxt.exe\u202c",
    "emoji": "🔥💧🧯",
    "html_script": '<script>alert(1)</script><img src=x onerror="alert(2)">',
}

# Pages not worth a GET in the walk: files to download, the session itself, the admin.
SKIP_GET = {
    "logout",
    "login",
    "set_language",
    "healthz",
    "command:statistics_xlsx",
    "command:statistics_csv",
    "command:task_file",
    "documents:download",
    "documents:download_item",
}
# Forms not posted to: they end or change the session, not the data.
SKIP_POST = {"logout", "login", "set_language"}
# Row counts of these tables may change on any request (sessions, login records).
VOLATILE_TABLES = ("django_session", "axes_", "django_admin_log")


class FormParser(HTMLParser):
    """Every <form>: its action, method, fields with their default values (what the browser would
    send untouched), the choices of selects and radios, and its named submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = {
                "action": a.get("action", ""),
                "hx_post": a.get("hx-post", ""),
                "method": (a.get("method") or "get").lower(),
                "fields": {},
                "hidden": set(),
                "choices": {},
                "selects": set(),
                "submit": None,
            }
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self.form["submit"] = self.form["submit"] or (name, a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                self.form["fields"].setdefault(name, None)
                self.form["choices"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.form["fields"][name] = a.get("value", "on")
            elif kind not in ("file", "button", "reset"):
                self.form["fields"][name] = a.get("value", "")
                if kind == "hidden":
                    self.form["hidden"].add(name)
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self.form["submit"] = self.form["submit"] or (name, a.get("value", ""))
        elif tag == "select" and name:
            self.select = name
            self.form["fields"].setdefault(name, None)
            self.form["selects"].add(name)
        elif tag == "option" and self.select:
            self.form["choices"].setdefault(self.select, []).append(a.get("value"))
            if "selected" in a:
                self.form["fields"][self.select] = a.get("value")
        elif tag == "textarea" and name:
            self.textarea = name
            self.form["fields"][name] = ""

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form["fields"][self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def view_name(path):
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None, {}
    return match.view_name, match.kwargs


def _key(form):
    """One form per action pattern (and kind of action: a move, a record kind) and field set."""
    name, kwargs = view_name(form["action"])
    kinds = tuple(sorted((k, v) for k, v in kwargs.items() if k in ("move", "kind")))
    return (form["method"], name, kinds, tuple(sorted(field_patterns(form))))


def field_patterns(form):
    """The fields to post to: one per name pattern (digits folded), so a month's roster of 120 selects
    named ``2026-12-01-day-duty_officer`` … is walked as its four kinds of field."""
    seen = {}
    for name in form["fields"]:
        if name != "csrfmiddlewaretoken":
            seen.setdefault(re.sub(r"[0-9]+", "#", name), name)
    return list(seen.values())


def crawl(client, seeds, per_pattern=2):
    """GET the ``seeds``, then the same-site links they lead to (each URL pattern at most
    ``per_pattern`` times); returns (forms by key, pages visited)."""
    queue, seen, visits, forms = deque(seeds), set(), Counter(), {}
    seeds = set(seeds)
    while queue:
        url = queue.popleft()
        name, _kwargs = view_name(url)
        if name is None or name in SKIP_GET or url in seen:
            continue
        # a form a page loads only when asked (?form=…, the no-JavaScript link of a lazy form) counts as a
        # page of its own, so the walk reaches every form whatever the page loads up front
        lazy = re.search(r"[?&]form=([\w-]+)", url)
        visit = (name, lazy.group(1) if lazy else None)
        if visits[visit] >= per_pattern and url not in seeds:
            continue
        seen.add(url)
        visits[visit] += 1
        resp = client.get(url)
        assert resp.status_code < 500, f"GET {url} → {resp.status_code}"
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        parser = FormParser()
        html = resp.content.decode()
        parser.feed(html)
        for form in parser.forms:
            form["action"] = unescape(form["action"]) or url
            form["page"] = url
            if form.get("hx_post"):  # live validation: the same fields to another URL
                live = {**form, "action": unescape(form["hx_post"]), "method": "post"}
                forms.setdefault(_key(live), live)
            if view_name(form["action"])[0] not in SKIP_POST:
                forms.setdefault(_key(form), form)
        for href in re.findall(r'href="([/?][^"#]*)"', html):
            href = unescape(href)
            if href.startswith("?"):  # a link to this page with other parameters (a lazy form's)
                href = url.split("?", 1)[0] + href
            if not href.startswith(("/static/", "/media/", "/admin/")):
                queue.append(href)
    return forms, seen


def base_data(form):
    """What the browser sends for the untouched form: text as it stands, a select's selected (else
    first) option, a ticked box; an unticked box sends nothing."""
    data = {}
    for name, value in form["fields"].items():
        if value is not None:
            data[name] = value
        elif name in form["selects"] and form["choices"].get(name):
            data[name] = form["choices"][name][0] or ""
    if form["submit"]:
        data[form["submit"][0]] = form["submit"][1]
    return data


class RowCounts:
    """The row count of every application table, in one query."""

    def __init__(self):
        tables = sorted(
            {
                m._meta.db_table
                for m in apps.get_models()
                if m._meta.managed and not m._meta.proxy and not m._meta.db_table.startswith(VOLATILE_TABLES)
            }
        )
        self.tables = tables
        self.sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)

    def __call__(self):
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return dict(zip(self.tables, cursor.fetchone(), strict=True))


class _Undo(Exception):
    pass


def is_error(resp):
    if resp.status_code >= 400:
        return True
    queued = getattr(getattr(resp.wsgi_request, "_messages", None), "_queued_messages", [])
    if any(m.level >= constants.ERROR for m in queued):
        return True
    return resp.status_code == 200 and b"is-invalid" in resp.content


class Poster:
    """Posts bad input; collects problems instead of stopping at the first."""

    def __init__(self, client):
        self.client = client
        self.client.raise_request_exception = False
        self.counts = RowCounts()
        self.problems, self.posts = [], 0
        self.seconds = Counter()  # per URL pattern, to see where the walk's time goes

    def send(self, form, data):
        if form["method"] == "get":
            return self.client.get(form["action"].split("?")[0] + "?" + urlencode(data, doseq=True))
        return self.client.post(form["action"], data)

    def check(self, form, data, what, *, undo=True):
        before = self.counts()
        started = time.perf_counter()
        try:
            with transaction.atomic():
                resp = self.send(form, data)
                self.seconds[view_name(form["action"])[0]] += time.perf_counter() - started
                self.posts += 1
                after = self.counts()
                if undo:
                    raise _Undo
        except _Undo:
            pass
        where = f"{form['method'].upper()} {form['action']} ({what})"
        if resp.status_code >= 500:
            self.problems.append(f"{where} → {resp.status_code}")
        elif is_error(resp) and after != before:
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            self.problems.append(f"{where} → {resp.status_code}, an error, yet saved: {changed}")
        return resp
