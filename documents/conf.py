"""The documents' settings, each with its default (config/settings.py may set any of them).

- ``DOCUMENT_ISSUER``: the issuing office (发文机关). Default: the plan's own name for the HQ's office,
  §2.1 "运城市城市基础公用事业应急工作指挥部（以下简称“市指挥部”）…市指挥部下设办公室" →
  运城市城市基础公用事业应急工作指挥部办公室 (``orgchart.plan_2021.CITY_HQ`` + 办公室).
- ``DOCUMENT_NUMBER_PREFIX``: the office's 发文字号 prefix, e.g. 运供应急办 → 运供应急办〔2026〕3号.
- ``DOCUMENT_FONT``: the body typeface (正文, 仿宋-like); the official 仿宋_GB2312 / 方正小标宋 are
  proprietary, so the default is the free "Noto Serif CJK SC" (Debian ``fonts-noto-cjk``).
- ``DOCUMENT_HEADING_FONT``: the typeface of first-level headings (一、…, 黑体-like).
- ``DOCUMENT_LANGUAGE``: the language documents are written in (the plan's, whatever the UI's).
"""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from orgchart.plan_2021 import CITY_HQ

DEFAULT_ISSUER = CITY_HQ["name"] + "办公室"  # §2.1
ISSUER_CLAUSE = "§2.1"

_FONT_NAME = re.compile(r"^[\w][\w .\-]{0,62}$")


def _font(name, default):
    value = getattr(settings, name, "") or default
    if not _FONT_NAME.match(value):  # it goes into CSS and into the DOCX: letters, digits, spaces only
        raise ImproperlyConfigured(f"{name}={value!r}: a font family name (letters, digits, spaces, . -)")
    return value


def body_font():
    return _font("DOCUMENT_FONT", "Noto Serif CJK SC")


def heading_font():
    return _font("DOCUMENT_HEADING_FONT", "Noto Sans CJK SC")


def issuer():
    return getattr(settings, "DOCUMENT_ISSUER", "") or DEFAULT_ISSUER


def number_prefix():
    return getattr(settings, "DOCUMENT_NUMBER_PREFIX", "") or "运供应急办"


def language():
    return getattr(settings, "DOCUMENT_LANGUAGE", "") or settings.LANGUAGE_CODE


# Rendering on the worker (issue 15; documents/stored.py, documents/tasks.py).
RENDER_SOFT_LIMIT = 180  # seconds a render may take before it is stopped and shown as failed (超时)
RENDER_HARD_LIMIT = 240
# A render queued or running longer than this is taken as lost (its worker died and the message is
# gone): the next request asks again with a new job. Longer than the hard limit plus a queue's wait.
RENDER_STUCK_SECONDS = 600
# The status partial polls this often while a render is queued or running, and hints after this long
# that the worker may be busy or not running.
POLL_SECONDS = 2
SLOW_HINT_SECONDS = 30
# The record (应急处置记录) prints the figures "now" (hours without heat, the recommendation): while
# heating is not restored, a stored record older than this hour bucket is stale.
RECORD_REFRESH_SECONDS = 3600
