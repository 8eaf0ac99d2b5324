"""Documents for tests (issue 10): a full incident built through the services a person uses, the demo
incident walked to the archive, and readers for what the documents contain (PDF text through pypdf, DOCX
through python-docx, the incident page's timeline through the Django test client)."""

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from docx import Document
from lxml import html
from pypdf import PdfReader

from aftermath import services as aftermath
from aftermath.demo import DEMO_INVESTIGATION, DEMO_SUMMARY, load_demo_incidents
from command.approvals import services as approvals
from command.assignments.ending import response_end
from command.models import Assignment
from command.response import services as command_response
from documents.models import StoredDocument
from documents.tasks import render_document
from incidents import services as incidents
from incidents.models import Incident
from orgchart.models import Unit

# The figures the documents must carry (a 较大事故 after the 续报: 附件5 直接经济损失 [1000万, 5000万)).
TITLE = "盐湖区解放路热力站一次网管线爆裂"


AREA = Decimal("9000000")  # 28.125 % of the default service area's 32,000,000 m²: 附件4 Ⅲ(1)


HOUSEHOLDS = 98000


LOSS_FIRST = Decimal("3000000")  # first report: 300万元, 待核定


LOSS_CONFIRMED = Decimal("12500000")  # 续报: 1250万元 → 较大事故 → 附件4 Ⅱ(2)


INSTRUCTION = "全力搜救被困人员，尽快恢复供热，做好群众安抚。"


INVESTIGATION = {
    "team": "运城市人民政府事故调查组：组长由市应急局负责人担任（演示），成员单位市城市管理局、市住建局、市公安局、市总工会。",
    "course": "11月27日22时许，解放路热力站一次网供水干管焊缝开裂，高温水喷出。\n抢修人员在未完全泄压的情况下进入管沟，一人被烫伤致死，两人重伤。",
    "cause": "干管焊缝老化开裂；抢修作业未先行泄压、隔离。",
    "category": "灼烫",
    "nature": "生产安全责任事故",
    "deaths": "1",
    "injuries": "2",
    "direct_loss_yuan": "12500000",
    "lessons": "老旧管网缺乏定期检测；抢修作业规程执行不到位。",
    "responsibility": "供热企业安全生产主体责任落实不到位，建议对企业主要负责人依规处理。",
    "prevention": "全面排查老旧管网焊缝；修订抢修作业规程，作业前必须泄压、隔离。",
}


SUMMARY = {
    "occurrence": "解放路热力站一次网干管爆裂，停热面积900万平方米，98,000户停热。",
    "handling": "启动Ⅲ级响应，续报核定直接经济损失后提高至Ⅱ级，现场指挥部组织抢修，次日恢复供热。",
    "lessons": "夜间电话请示、续报核定及时，响应级别调整有据。",
    "improvements": "一季度内完成全市老旧管网焊缝排查。",
}


MEASURE = "一季度内完成全市老旧管网焊缝排查"


def run_queued_renders():
    """Run the renders the requests enqueued, as the worker would (Celery's ``apply``, in this process).
    In a ``db`` test the after-commit enqueue never runs, so the queued rows are the work to do.
    Returns what each render did (ready, failed, skipped)."""

    queued = StoredDocument.objects.filter(state=StoredDocument.State.QUEUED, job__isnull=False)
    return [render_document.apply(args=(row.pk, str(row.job))).get() for row in queued]


def download(client, url):
    """A download as a person makes it: the first GET asks for the file (202, 生成中…), the worker
    renders it, the next GET streams it. Returns the last response, its body read into ``.body``."""
    response = client.get(url)
    if response.status_code == 202:
        assert any(w in response.content.decode() for w in ("生成中", "Generating")), (
            "the page says it is being made"
        )
        run_queued_renders()
        response = client.get(url)
    response.body = response.getvalue()  # a stored file is streamed (FileResponse): read it once
    return response


def build_full_incident(make, fresh, capture, *, is_drill=False, archive=True, title=TITLE):
    """Reported with figures (待核定) and a first measure → the report logged upward → assessed → Ⅲ
    activated on a request decided by phone (电话请示) → 续报 confirming 1250万元 (较大事故) → raised to Ⅱ
    (director reports, commander decides) → a leader's instruction, carried out and reported back →
    续报: everybody rescued, hazards controlled, heating restored → Ⅱ ended by the on-site commander →
    aftermath items closed → investigation and office summary submitted, one improvement measure →
    archived. Returns the incident."""

    now = timezone.now()
    office = fresh("office")
    incident = make(
        actor=office,
        title=title,
        is_drill=is_drill,
        address="解放路与河东街交叉口",
        company=Unit.objects.get(code="demo-heat-1"),
        facility="heat_station",
        description="11月27日22时许，解放路热力站一次网供水干管爆裂。\n高温水涌入管沟，抢修人员三人被困。",
        occurred_at=now - timedelta(hours=40),
        reported_at=now - timedelta(hours=39, minutes=50),
        outage_started_at=now - timedelta(hours=39, minutes=45),
        estimated_restoration_at=now + timedelta(hours=2),
        affected_area_m2=AREA,
        affected_households=HOUSEHOLDS,
        deaths=1,
        deaths_pending=True,
        serious_injuries=2,
        direct_loss_yuan=LOSS_FIRST,
        direct_loss_pending=True,
        people_at_risk_peak=2,
        still_trapped=1,
        source="company",
        reporter_name="赵建华（演示）",
        reporter_unit="运城市演示热力有限公司（演示）",
        reporter_phone="0359-0000000",
    )
    incidents.first_measure_add(
        actor=office,
        incident=incident,
        at=now - timedelta(hours=39, minutes=40),
        by="运城市演示热力有限公司（演示）",
        text="关闭解放路热力站一次网进出口阀门，隔离故障管段。",
    )
    incidents.upward_report_log(
        actor=office,
        incident=incident,
        sender="city",
        recipient="commander",
        sent_at=now - timedelta(hours=39, minutes=20),
        summary="首报：管线爆裂，三人被困，停热98,000户。",
    )
    incident.start_assessment(office)
    with capture(execute=True):  # response_setup (groups, assignments) runs on commit
        request = approvals.level_request_submit(
            incident_id=incident.pk,
            actor=office,
            to_level=3,
            reason="附件4 Ⅲ(1)：停热面积超过四分之一且已满24小时",
        )
        approvals.level_request_act(
            request_id=request.pk,
            actor=fresh("office"),
            expected_stage=request.stage,
            by_phone={"approver": fresh("director"), "at": timezone.now() - timedelta(minutes=3)},
        )
    incidents.follow_up_add(
        actor=office,
        incident_id=incident.pk,
        note="经核定：死亡1人；直接经济损失1250万元。仍有1人被困。",
        data={
            "deaths": 1,
            "deaths_pending": False,
            "direct_loss_yuan": LOSS_CONFIRMED,
            "direct_loss_pending": False,
        },
    )
    with capture(execute=True):
        request = approvals.level_request_submit(
            incident_id=incident.pk,
            actor=fresh("director"),
            to_level=2,
            reason="续报核定为较大事故（附件5），附件4 Ⅱ(2)",
        )
        approvals.level_request_act(
            request_id=request.pk, actor=fresh("commander"), expected_stage=request.stage
        )
    item = command_response.instruction_add(
        incident_id=incident.pk,
        actor=office,
        source="city_leadership",
        given_by="市长（演示）",
        given_at=timezone.now() - timedelta(minutes=1),
        text=INSTRUCTION,
    )
    command_response.instruction_update(
        instruction_id=item.pk,
        actor=office,
        action_taken="已传达至现场指挥部，抢修和安抚工作已落实。",
        reported_back=True,
    )
    incidents.follow_up_add(
        actor=office,
        incident_id=incident.pk,
        note="被困人员已全部救出，次生、衍生事故威胁已消除，已恢复供热。",
        data={
            "still_trapped": 0,
            "hazards_controlled": True,
            "restored_at": timezone.now() - timedelta(minutes=1),
        },
    )
    commander = fresh("commander")
    open_ids = Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES).values_list(
        "pk", flat=True
    )
    with capture(execute=True):
        response_end(
            incident_id=incident.pk,
            user=commander,
            decisions={pk: "carry" for pk in open_ids},
            reason="被困人员全部救出，次生、衍生事故威胁已消除（§5.3.6）",
        )
    if not archive:
        incident.refresh_from_db()
        return incident
    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        aftermath.item_not_applicable(task_id=task.pk, user=office, reason="测试：已在响应中办结")
    for kind, raw in (("investigation", INVESTIGATION), ("summary", SUMMARY)):
        aftermath.save_draft(incident_id=incident.pk, kind=kind, user=office, raw=raw)
        aftermath.submit(incident_id=incident.pk, kind=kind, user=office)
    aftermath.measure_add(
        incident_id=incident.pk,
        user=office,
        text=MEASURE,
        owner_unit_id=Unit.objects.get(code="city_admin").pk,
        owner_name="市城市管理局供热科（演示）",
        due_on=timezone.localdate() + timedelta(days=90),
    )
    incident.refresh_from_db()
    incident.archive(office)
    incident.refresh_from_db()
    return incident


def walk_demo_to_archive(fresh):
    """The demo incident (永济市, 一般事故, Ⅳ级) walked from the end of its response to the archive through the
    services, as tests/aftermath/test_browser_walk.py does in the browser. Returns the incident."""

    load_demo_incidents()
    incident = Incident.objects.get(title__startswith="永济市城北换热站爆管")
    open_ids = Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES).values_list(
        "pk", flat=True
    )
    response_end(incident_id=incident.pk, user=fresh("director"), decisions={pk: "carry" for pk in open_ids})
    office = fresh("office")
    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        aftermath.item_not_applicable(task_id=task.pk, user=office, reason="无人员受伤")
    raw, summary = DEMO_INVESTIGATION, DEMO_SUMMARY
    for kind, content in (("investigation", raw), ("summary", summary)):
        aftermath.save_draft(incident_id=incident.pk, kind=kind, user=office, raw=content)
        aftermath.submit(incident_id=incident.pk, kind=kind, user=office)
    aftermath.measure_add(
        incident_id=incident.pk,
        user=office,
        text="一季度内完成全市老旧管网焊缝排查",
        owner_unit_id=Unit.objects.get(code="city_admin").pk,
        due_on=timezone.localdate() + timedelta(days=90),
    )
    incident.refresh_from_db()
    incident.archive(office)
    incident.refresh_from_db()
    return incident


def squash(text):
    """Text without any whitespace (PDF text wraps lines anywhere inside a table cell)."""
    return re.sub(r"\s+", "", str(text))


def pdf_pages(data):

    assert data[:5] == b"%PDF-"
    return [page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages]


def pdf_text(data):
    return "\n".join(pdf_pages(data))


def docx_read(data):
    """(paragraph texts, tables as lists of rows of cell texts, header texts of each section)."""

    assert data[:2] == b"PK"
    d = Document(BytesIO(data))
    paragraphs = [p.text for p in d.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    headers = [
        "".join(p.text for p in h.paragraphs) for s in d.sections for h in (s.header, s.even_page_header)
    ]
    return paragraphs, tables, headers


def docx_text(data):
    paragraphs, tables, _headers = docx_read(data)
    cells = ["\n".join(cell for cell in row) for t in tables for row in t]
    return "\n".join(paragraphs + cells)


CHRONICLE_HEADER = ["序号", "时间", "事项", "依据", "操作人"]


def docx_chronicle(data):
    """The 大事记 rows of a DOCX: [(time, summary line), …]."""
    _paragraphs, tables, _headers = docx_read(data)
    table = next(t for t in tables if t and t[0] == CHRONICLE_HEADER)
    return [(row[1], row[2].split("\n")[0]) for row in table[1:]]


def page_timeline(client, incident):
    """The incident page's timeline as (time, summary) in the page's order (newest first): the page
    shows the latest 50 events, then each "更早的记录" link the next 50 (followed to the end)."""

    url, rows = f"/incidents/{incident.pk}/", []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        tree = html.fromstring(response.content.decode())
        for li in tree.xpath('//*[@data-testid="timeline"]//li[@data-testid="timeline-event"]'):
            at = li.xpath(".//time")[0].text_content().strip()
            summary = li.xpath(".//strong")[0].text_content().strip()
            rows.append((at, summary))
        more = tree.xpath('//*[@data-testid="timeline"]//a[@data-testid="timeline-more-link"]/@href')
        url = more[0] if more else None
    return rows


def assert_in_order(haystack, needles):
    """Each needle (whitespace ignored) occurs in the haystack after the previous one."""
    text, pos = squash(haystack), 0
    for needle in needles:
        found = text.find(squash(needle), pos)
        assert found >= 0, f"not found after position {pos}: {needle!r}"
        pos = found + len(squash(needle))
