"""Done means (issue 10): the demo incident, walked to the end, yields an investigation report PDF that a
clerk would print and file as it is, and its 大事记 matches the incident page line for line.

The pages of the PDF are also drawn as PNG into var/screenshots/ (documents-investigation-pN.png) for
a person to look at (pypdfium2, a dev dependency), next to the PDF and the DOCX themselves."""

import pytest

from tests.support.browser import SCREENSHOTS
from tests.support.documents import (
    assert_in_order,
    docx_chronicle,
    page_timeline,
    pdf_pages,
    squash,
    walk_demo_to_archive,
)

pytestmark = [pytest.mark.django_db]


def test_the_demo_incident_walked_to_the_archive_yields_its_investigation_report(
    demo, fresh, client, screenshot
):
    from documents import render

    incident = walk_demo_to_archive(fresh)
    assert incident.state == "archived"
    client.force_login(fresh("office"))
    chronological = list(reversed(page_timeline(client, incident)))

    html, doc = render.render_html("investigation", incident.pk)
    pdf = render.pdf_bytes(html)
    pages = pdf_pages(pdf)
    text = squash("".join(pages))
    for needle in (
        "运城市城市基础公用事业应急工作指挥部办公室",
        doc.number,
        "永济市城北换热站爆管致一名检修工人死亡（演示）调查评估报告",
        "永济市人民政府事故调查组对",
        "事故造成1人死亡，0人受伤（含重伤），直接经济损失860,000元（86万元）",
        "一般事故",
        "生产安全责任事故",
        "附件：事件大事记",
        "印发",
    ):
        assert squash(needle) in text, needle
    start = text.find("序号时间事项依据操作人")
    assert_in_order(text[start:], [f"{at}{summary}" for at, summary in chronological])
    docx = render.docx_bytes(html, doc)
    assert docx_chronicle(docx) == chronological
    for n, page in enumerate(pages, 1):
        assert f"— {n} —" in page  # page numbers "— 1 —"

    try:
        import pypdfium2
    except ImportError:  # the PNGs are for a person to look at; the checks above stand without them
        return

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, data in (("pdf", pdf), ("docx", docx)):
        with open(SCREENSHOTS / f"documents-investigation.{suffix}", "wb") as f:
            f.write(data)
    document = pypdfium2.PdfDocument(pdf)
    for n, page in enumerate(document, 1):
        page.render(scale=1.5).to_pil().save(SCREENSHOTS / f"documents-investigation-p{n}.png")
    document.close()
