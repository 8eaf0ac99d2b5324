"""Issue 10, documents: every document of a full incident renders as PDF and DOCX and carries its key
figures, clauses and who decided (read back from the PDF text with pypdf and from the DOCX with
python-docx); the 大事记 is the incident page's timeline line for line; the first report shows the figures
as first reported; numbers are stable; a drill is marked 【演练】 on every page; builders read a constant
number of times; user text never becomes markup."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import builders, numbers, render
from tests.support.documents import (
    INSTRUCTION,
    INVESTIGATION,
    MEASURE,
    SUMMARY,
    TITLE,
    assert_in_order,
    build_full_incident,
    docx_chronicle,
    docx_read,
    docx_text,
    page_timeline,
    pdf_pages,
    pdf_text,
    run_queued_renders,
    squash,
)

pytestmark = [pytest.mark.django_db]


def rendered(incident, kind, item=None):
    """(pdf bytes, docx bytes, doc) of one document as the worker renders and stores it (issue 15: the
    task, run in this process), numbered as the first render numbers it."""
    from documents import stored

    files = []
    for fmt in ("pdf", "docx"):
        row, _current = stored.request(incident.pk, kind, item, fmt)
        assert run_queued_renders() == ["ready"]
        row.refresh_from_db()
        with row.file.open("rb") as f:
            files.append(f.read())
    _html, doc = render.render_html(kind, incident.pk, item, assign=False)  # the number from the register
    n = row.number
    assert doc.number == (numbers.format_number(n.year, n.serial) if n else "")
    return files[0], files[1], doc


def available(incident):
    rows, _drafts = builders.catalogue(incident)
    return [r for r in rows if r["available"]]


def test_every_document_of_a_full_incident_renders_with_its_key_figures(full_incident, people):
    incident = full_incident
    director, commander, office = (people[k].person.name for k in ("director", "commander", "office"))
    rows = available(incident)
    kinds = [r["kind"] for r in rows]
    assert kinds == [
        "first-report",
        "follow-up",
        "follow-up",
        "notice",
        "notice",
        "notice",
        "record",
        "investigation",
        "summary",
    ]
    notices = [r for r in rows if r["kind"] == "notice"]
    follow_ups = [r for r in rows if r["kind"] == "follow-up"]
    # what each document must say, in the PDF and in the DOCX (whitespace ignored)
    expect = {
        ("first-report", None): [
            "突发事件信息报告（首报）",
            TITLE,
            "市指挥部指挥长：",
            "9,000,000平方米",
            "28.12%",
            "98,000户",
            "1人（待核定）",
            "2人",
            "3,000,000元（300万元）（待核定）",
            "一般事故",
            "Ⅲ级（确定",
            "附件4Ⅲ(1)",
            "关闭解放路热力站一次网进出口阀门",
            "赵建华（演示）",
            "§5.1",
            "§5.2",
        ],
        ("follow-up", follow_ups[0]["item"]): [
            "（第1次续报）",
            "经核定：死亡1人；直接经济损失1250万元",
            "直接经济损失（元）",
            "3,000,000元（300万元）",
            "12,500,000元（1,250万元）",
            "事故等级：一般事故→较大事故",
            "建议响应级别：Ⅲ级→Ⅱ级",
            "附件4Ⅱ(2)",
        ],
        ("follow-up", follow_ups[1]["item"]): ["（第2次续报）", "被困人员已全部救出", "仍被困0人"],
        ("notice", notices[0]["item"]): [
            "关于启动城市集中供热突发事件Ⅲ级应急响应的通知",
            "§5.3.2",
            f"经办公室主任{director}决定",
            "启动Ⅲ级应急响应",
            f"（电话请示，{director}同意，{office}记录）",
            "做好扩大响应的准备",
            "市指挥部各成员单位，盐湖区人民政府，运城市演示热力有限公司（演示）：",
            "运政办发〔2021〕68号",
        ],
        ("notice", notices[1]["item"]): [
            "关于调整城市集中供热突发事件应急响应级别的通知",
            "由Ⅲ级调整为Ⅱ级",
            "§5.3.5",
            commander,
            "按照省工作组指导意见，落实相应工作。",
            "12,500,000元（1,250万元）",
            "较大事故",
        ],
        ("notice", notices[2]["item"]): [
            "关于结束城市集中供热突发事件Ⅱ级应急响应的通知",
            "§5.3.6",
            commander,
            "结束Ⅱ级应急响应",
            "仍被困0人，仍失联0人，遇难未救出0人",
            "已得到控制或者消除",
            "§7.1",
        ],
        ("record", None): [
            "应急处置记录",
            INSTRUCTION,
            "市长（演示）",
            "已传达至现场指挥部",
            "已反馈",
            "§5.3.3(8)",
            "启动Ⅲ级响应",
            "响应级别由Ⅲ级调整为Ⅱ级",
            "结束响应",
            "大事记",
            "首报：管线爆裂",
        ],
        ("investigation", None): [
            "调查评估报告",
            "运城市人民政府事故调查组",
            "§7.2",
            INVESTIGATION["cause"],
            INVESTIGATION["nature"],
            "事故造成1人死亡，2人受伤（含重伤），直接经济损失12,500,000元（1,250万元）",
            "较大事故",
            INVESTIGATION["prevention"],
            "附件：1．事件大事记",
            "2．领导批示及落实情况",
            INSTRUCTION,
        ],
        ("summary", None): [
            "应急处置工作的总结报告",
            SUMMARY["handling"],
            SUMMARY["lessons"],
            MEASURE,
            "市城市管理局",
            "§7.2",
        ],
    }
    year = timezone.localdate().year
    for r in rows:
        pdf, docx, doc = rendered(incident, r["kind"], r["item"])
        pdf_all, docx_all = squash(pdf_text(pdf)), squash(docx_text(docx))
        for needle in expect[(r["kind"], r["item"])]:
            assert squash(needle) in pdf_all, f"{r['kind']} {r['item']} PDF lacks {needle!r}"
            assert squash(needle) in docx_all, f"{r['kind']} {r['item']} DOCX lacks {needle!r}"
        assert "运城市城市基础公用事业应急工作指挥部办公室" in pdf_all  # 发文机关 (§2.1)
        if r["kind"] != "record":  # the record is not sent out: the incident's number instead of a 文号
            assert doc.number.startswith(f"运供应急办〔{year}〕") and squash(doc.number) in pdf_all
            assert doc.number in docx_all
        else:
            assert doc.number == "" and incident.ref in pdf_all


def test_the_chronicle_is_the_incident_page_timeline_line_for_line(full_incident, client, people):
    client.force_login(people.office)
    page = page_timeline(client, full_incident)  # newest first, as the page shows it
    assert len(page) > 15
    chronological = list(reversed(page))
    for kind in ("record", "investigation", "summary"):
        pdf, docx, _doc = rendered(full_incident, kind)
        assert docx_chronicle(docx) == chronological, kind
        text = pdf_text(pdf)
        start = squash(text).find("序号时间事项依据操作人")
        assert start >= 0, kind
        assert_in_order(squash(text)[start:], [f"{at}{summary}" for at, summary in chronological])
        assert squash(text).count(squash(chronological[-1][1])) >= 1


def test_the_first_report_shows_the_figures_as_first_reported(full_incident):
    """A later 续报 changed the loss and the deaths: the first report still says what was reported."""
    pdf, docx, _doc = rendered(full_incident, "first-report")
    text = squash(pdf_text(pdf))
    assert squash("3,000,000元（300万元）（待核定）") in text
    assert "12,500,000" not in text and "较大事故" not in text
    assert "仍被困1人" in text  # at the first report one person was still trapped
    assert squash("3,000,000元（300万元）（待核定）") in squash(docx_text(docx))


def test_numbers_are_given_once_in_order_and_drills_have_their_own_series(
    full_incident, make_incident, people
):
    first = render.render_html("first-report", full_incident.pk)[1].number
    again = render.render_html("first-report", full_incident.pk)[1].number
    assert first == again  # a second download prints the same number
    rows = available(full_incident)
    notice = next(r for r in rows if r["kind"] == "notice")
    second = render.render_html("notice", full_incident.pk, notice["item"])[1].number
    serial = lambda n: int(n.split("〕")[1].rstrip("号"))  # noqa: E731
    assert serial(second) == serial(first) + 1
    drill = make_incident(is_drill=True, title="测试：演练")
    drill_number = render.render_html("first-report", drill.pk)[1].number
    assert serial(drill_number) == 1  # the drill's own series
    # the list page reads numbers, never gives them
    record = render.render_html("record", full_incident.pk, assign=False)[1]
    assert record.number == ""
    assert numbers.assigned([f"first-report:{full_incident.pk}"])


def test_a_drill_is_marked_on_every_page(make_incident, fresh, django_capture_on_commit_callbacks):
    drill = build_full_incident(
        make_incident,
        fresh,
        django_capture_on_commit_callbacks,
        is_drill=True,
        archive=False,
        title="测试：演练爆管",
    )
    for kind, item in (("record", None), ("first-report", None)):
        pdf, docx, doc = rendered(drill, kind, item)
        pages = pdf_pages(pdf)
        assert len(pages) >= 2, kind
        for n, page in enumerate(pages, 1):
            assert "【演练】" in page, f"{kind} page {n} is not marked"
        _paragraphs, _tables, headers = docx_read(docx)
        assert headers and all("【演练】" in h for h in headers)
        assert "【演练】" in docx_text(docx) and doc.drill
        assert "【演练】" in render.filename(doc, drill, "pdf")


def test_builders_read_a_constant_number_of_times(full_incident, people):
    from command.common import timeline_add
    from command.response.services import instruction_add

    def count(kind, item=None):
        with CaptureQueriesContext(connection) as ctx:
            render.render_html(kind, full_incident.pk, item, assign=False)
        return len(ctx.captured_queries)

    before = {k: count(k) for k in ("record", "investigation", "summary", "first-report")}
    from incidents.archive import allow_archive_write

    with allow_archive_write():  # the archived incident gets more events, instructions
        for n in range(12):
            timeline_add(full_incident, actor=people.office, summary=f"测试记录{n}", clause="§5.3")
            instruction_add(
                incident_id=full_incident.pk,
                actor=people.office,
                source="other",
                given_by=f"领导{n}",
                given_at=timezone.now() - timedelta(minutes=1),
                text="测试批示",
            )
    after = {k: count(k) for k in before}
    assert after == before
    assert max(after.values()) <= 8


def test_user_text_never_becomes_markup(make_incident, people):
    from incidents.services import follow_up_add

    incident = make_incident(
        title="测试<b>粗体</b>&标题", description='<script>alert(1)</script>\n<img src="http://x/">'
    )
    follow_up_add(actor=people.office, incident_id=incident.pk, note="<i>续报</i>", data={})
    html, doc = render.render_html("first-report", incident.pk)
    assert "<b>粗体</b>" not in html and "&lt;b&gt;粗体&lt;/b&gt;" in html
    assert "<script>" not in html and "<img" not in html
    pdf = render.pdf_bytes(html)
    assert "<script>alert(1)</script>" in pdf_text(pdf)  # shown as text, not run
    docx = render.docx_bytes(html, doc)
    assert "<script>alert(1)</script>" in docx_text(docx)
    assert "测试<b>粗体</b>&标题" in docx_text(docx)


def test_a_draft_is_not_a_document(incident_in, people):
    from aftermath import services

    incident = incident_in("aftermath", level=3, deaths=1)
    services.save_draft(
        incident_id=incident.pk, kind="investigation", user=people.office, raw={"course": "草稿内容"}
    )
    with pytest.raises(builders.NotAvailable, match="调查评估报告尚未提交"):
        render.render_html("investigation", incident.pk)
    rows, drafts = builders.catalogue(incident)
    inv = next(r for r in rows if r["kind"] == "investigation")
    assert not inv["available"] and "§7.2" in inv["why"] and "investigation" in drafts


def test_money_and_dates_are_printed_exactly():
    from documents.templatetags.document_tags import cn_date, cn_number, yuan

    assert yuan(Decimal("12500000")) == "12,500,000元（1,250万元）"
    assert yuan(Decimal("860000.50")) == "860,000.5元（86.00005万元）"
    assert yuan(Decimal("9999")) == "9,999元"
    assert cn_date(timezone.make_aware(timezone.datetime(2026, 11, 28, 23, 30))) == "2026年11月28日"
    assert [cn_number(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]


def test_the_first_report_prints_the_elapsed_outage_and_the_estimate_apart(make_incident):
    """DOMAIN §6 "Hours without heat" (issue 17 point 8): a 15-minute outage with restoration estimated 40
    hours after its start is "已停热 0 小时 15 分", the estimate "预计共 40 小时 0 分", and the 24 h
    criterion is said to rest on the estimate — never "已停热 40 小时"."""
    now = timezone.now()
    start = now - timedelta(minutes=15)
    incident = make_incident(
        occurred_at=start,
        reported_at=now,
        outage_started_at=start,
        estimated_restoration_at=start + timedelta(hours=40),
    )
    html = squash(render.render_html("first-report", incident.pk, assign=False)[0])
    assert squash('已停热</td><td data-testid="doc-elapsed">0 小时 15 分</td>') in html
    assert squash("预计共 40 小时 0 分") in html and squash("预计再需 39 小时 45 分") in html
    assert "预计超过24小时" in html and "已满24小时" not in html
    assert squash("已停热 40") not in html


def test_a_restored_outage_prints_its_length_and_whether_it_reached_24_hours(make_incident):
    now = timezone.now()
    start = now - timedelta(hours=30)
    incident = make_incident(
        occurred_at=start,
        reported_at=start + timedelta(minutes=5),
        outage_started_at=start,
        estimated_restoration_at=start + timedelta(hours=2),
        restored_at=start + timedelta(hours=25, minutes=30),
    )
    html = squash(render.render_html("record", incident.pk, assign=False)[0])
    assert squash("停热 25 小时 30 分，已满24小时") in html
    assert "预计共" not in html


def test_a_correcting_follow_up_says_so_in_its_document(make_incident, people):
    """DOMAIN §6 (issue 17 point 6): the 续报 that lowers a peak prints 更正 and its reason."""
    from incidents.services import follow_up_add

    incident = make_incident(people_at_risk_peak=5)
    report = follow_up_add(
        actor=people.office,
        incident_id=incident.pk,
        note="核实后涉险2人",
        data={"people_at_risk_peak": 2},
        correction=True,
        correction_reason="首报重复统计了3人",
    )
    html = squash(render.render_html("follow-up", incident.pk, report.pk, assign=False)[0])
    assert squash("更正理由：首报重复统计了3人") in html
