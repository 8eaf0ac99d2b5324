"""``manage.py generate_winter`` (issue 8): a realistic winter of generated data, written in bulk, every
row within the models' rules; refused clearly without the plan and the demo data."""

from collections import Counter
from datetime import timedelta
from io import StringIO
from statistics import median

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from command.models import ActivatedGroup, Assignment, ChecklistItem, LevelSetup
from incidents.choices import ACTIVE_STATES, CLOSED_STATES, State
from incidents.models import FirstMeasure, FollowUpReport, Incident, TimelineEvent, UpwardReport

pytestmark = pytest.mark.django_db

SMALL = {"past": 60, "active": 5, "tasks": 40, "events": 450, "seed": 7}


def run(**options):
    out = StringIO()
    call_command("generate_winter", stdout=out, **options)
    return out.getvalue()


def generated():
    return Incident.objects.filter(title__startswith="【生成】")


def test_counts_states_and_levels(demo):
    out = run(**SMALL)
    incidents = generated()
    assert incidents.count() == 65
    active = incidents.filter(state__in=ACTIVE_STATES)
    assert active.count() == 5
    assert incidents.filter(state__in=CLOSED_STATES).count() == 60
    assert TimelineEvent.objects.filter(incident__in=incidents).count() == 450
    assert Assignment.objects.filter(incident__in=incidents).count() == 40
    # levels: set exactly where a response was activated, and kept through to the archive
    activated = set(
        TimelineEvent.objects.filter(incident__in=incidents, data__move="activate").values_list(
            "incident_id", flat=True
        )
    )
    for inc in incidents:
        assert (inc.level is not None) == (inc.pk in activated), inc
        if inc.state == State.RESPONDING:
            assert inc.level in (1, 2, 3, 4) and inc.level_since is not None
        if inc.state in (State.REPORTED, State.ASSESSING, State.HANDLED_WITHOUT_RESPONSE, State.DISMISSED):
            assert inc.level is None
        if inc.state in ACTIVE_STATES:  # outages still running
            assert inc.restored_at is None and inc.outage_started_at is not None
    assert active.filter(state=State.RESPONDING).exists()
    assert incidents.filter(state=State.ARCHIVED).count() > incidents.filter(state=State.DISMISSED).count()
    # the output says what was made and how long it took, Chinese first
    assert "已生成事件 65 起" in out and "incidents: 65" in out
    assert "任务 40 项" in out and "时间线 450 条" in out
    assert "用时" in out and "took" in out


def test_every_incident_passes_full_clean(demo):
    run(**SMALL)
    for inc in generated().select_related("service_area", "plan_version", "county"):
        inc.full_clean()  # field rules, clean() (reported ≥ occurred, still ≤ peak, area ≤ heated area) and constraints
        assert inc.reported_at >= inc.occurred_at
        assert inc.still_trapped <= inc.people_at_risk_peak
        assert inc.affected_area_m2 is None or inc.affected_area_m2 <= inc.service_area.heated_area_m2
        _grade, _reasons = inc.grade()  # derived, never stored: the model computes it
        inc.recommendation()


def test_timeline_is_ordered_after_the_report_and_matches_the_state(demo):
    run(**SMALL)
    incidents = generated()
    events = TimelineEvent.objects.filter(incident__in=incidents)
    assert not events.filter(at__lt=F("incident__reported_at")).exists()
    assert not events.filter(at__gt=timezone.now()).exists()
    created = Counter(events.filter(kind="created").values_list("incident_id", flat=True))
    assert set(created.values()) == {1} and len(created) == incidents.count()
    assert not events.filter(kind="created").exclude(at=F("incident__reported_at")).exists()
    kinds = set(events.values_list("kind", flat=True))
    assert {"created", "state", "command"} <= kinds
    for inc in incidents:
        moves = list(inc.timeline.filter(kind__in=["state", "level"]).order_by("at", "id"))
        state = State.REPORTED
        for ev in moves:
            assert ev.from_state == state, (inc, ev)
            state = ev.to_state
            assert ev.summary and ev.clause and ev.actor_id
        assert state == inc.state, inc
        if inc.level:
            last = [ev for ev in moves if ev.to_level != ev.from_level][-1]
            assert last.to_level == inc.level and last.at == inc.level_since
    # the rows behind the events: one follow-up report per 续报 event, and so on
    assert (
        FollowUpReport.objects.filter(incident__in=incidents).count()
        == events.filter(kind="follow_up").count()
    )
    assert (
        FirstMeasure.objects.filter(incident__in=incidents).count()
        == events.filter(kind="first_measure").count()
    )
    assert (
        UpwardReport.objects.filter(incident__in=incidents).count()
        == events.filter(kind="upward_report").count()
    )
    responded = incidents.filter(level__isnull=False)
    assert (
        LevelSetup.objects.filter(incident__in=responded).values("incident").distinct().count()
        == responded.count()
    )
    assert ChecklistItem.objects.filter(incident__in=responded).exists()


def test_tasks(demo):
    run(**SMALL)
    tasks = Assignment.objects.filter(incident__in=generated()).select_related("incident")
    assert tasks.count() == 40
    assert set(tasks.values_list("kind", flat=True)) <= {"task", "assignment"}
    assert tasks.filter(kind="task").count() > tasks.filter(kind="assignment").count()
    # the model's constraint: a task has a group or a unit; an assignment exactly one of them
    assert not tasks.filter(kind="task", group__isnull=True, unit__isnull=True).exists()
    assert not tasks.filter(kind="assignment", group__isnull=False, unit__isnull=False).exists()
    states = Counter(tasks.values_list("state", flat=True))
    assert len(states) >= 3 and "done" in states and set(states) & {"pending", "signed", "in_progress"}
    now = timezone.now()
    assert any(t.is_overdue(now) for t in tasks)
    for t in tasks:
        assert t.incident.level is not None  # only incidents with a response have tasks
        if t.is_open:
            assert t.incident.state == State.RESPONDING
        assert t.signed_at is None or t.signed_at >= t.created_at
        assert t.done_at is None or (t.signed_at is not None and t.done_at >= t.signed_at)
        assert t.due_at is None or t.due_at > t.created_at
        assert t.created_at >= t.incident.reported_at
        if t.group_id:  # the group was activated on the incident
            assert ActivatedGroup.objects.filter(incident=t.incident, group=t.group).exists()
        if t.state == "returned":
            assert t.returned_reason
    task_events = TimelineEvent.objects.filter(incident__in=generated(), data__has_key="task")
    assert set(task_events.values_list("data__task", flat=True)) <= set(tasks.values_list("pk", flat=True))


def test_drills_are_the_given_fraction(demo):
    run(**{**SMALL, "drills": 0.1})
    # 10 % of 60 past and of 5 active, rounded half up: 6 + 1
    assert generated().filter(is_drill=True).count() == 7
    run(**{**SMALL, "drills": 0})
    assert generated().filter(is_drill=True).count() == 7


def test_distributions_look_like_a_winter(demo):
    run(past=800, active=20, tasks=300, events=8000, seed=11)
    incidents = generated()
    categories = Counter(incidents.values_list("category", flat=True))
    assert [c for c, _n in categories.most_common(2)] in (
        ["heat_source_pipeline", "equipment_failure"],
        ["equipment_failure", "heat_source_pipeline"],
    )
    assert len(categories) == 7
    counties = Counter(incidents.values_list("county__code", flat=True))
    assert len(counties) == 14  # all county codes used
    assert counties["yanhu"] + counties["kaifaqu"] > 0.4 * incidents.count()
    assert counties["yanhu"] == max(counties.values())
    night = sum(
        1
        for at in incidents.filter(is_drill=False).values_list("occurred_at", flat=True)
        if timezone.localtime(at).hour >= 20 or timezone.localtime(at).hour < 7
    )
    assert night > 0.5 * incidents.filter(is_drill=False).count()
    areas = [a for a in incidents.values_list("affected_area_m2", flat=True) if a is not None]
    assert median(areas) < 100_000 and max(areas) > 10 * median(areas)  # mostly small, a long tail
    levels = Counter(incidents.exclude(level=None).values_list("level", flat=True))
    assert levels[4] > levels[3] > levels[2] >= levels[1]
    assert (levels[4] + levels[3]) > 0.9 * sum(levels.values())
    hurt = incidents.filter(Q(deaths__gt=0) | Q(serious_injuries__gt=0)).count()
    assert hurt < 0.05 * incidents.count()
    closed = Counter(incidents.filter(state__in=CLOSED_STATES).values_list("state", flat=True))
    assert closed.most_common(1)[0][0] == State.ARCHIVED and len(closed) == 3
    # past incidents in heating seasons (15 Nov – 15 Mar, local time)
    for at in incidents.exclude(state__in=ACTIVE_STATES).values_list("occurred_at", flat=True):
        local = timezone.localtime(at)
        assert (local.month, local.day) >= (11, 15) or (local.month, local.day) <= (3, 15)
    # more happens on the incidents that had a response than on the dismissed ones
    events = dict(incidents.annotate(n=Count("timeline")).values_list("pk", "n"))
    responded = [events[pk] for pk in incidents.filter(level__isnull=False).values_list("pk", flat=True)]
    dismissed = [events[pk] for pk in incidents.filter(state=State.DISMISSED).values_list("pk", flat=True)]
    assert sum(responded) / len(responded) > 2 * sum(dismissed) / len(dismissed)


def test_second_run_with_the_same_seed_adds_the_same(demo):
    now = (timezone.now() - timedelta(minutes=1)).isoformat()
    run(**SMALL, now=now)
    first = list(generated().order_by("id"))
    run(**SMALL, now=now)
    both = list(generated().order_by("id"))
    assert len(both) == 2 * len(first) == 130
    assert TimelineEvent.objects.filter(incident__in=generated()).count() == 900
    assert Assignment.objects.filter(incident__in=generated()).count() == 80

    def signature(incidents):
        return sorted(
            (
                i.title,
                i.category,
                i.county_id,
                i.state,
                i.level,
                i.is_drill,
                i.occurred_at,
                i.affected_area_m2,
            )
            for i in incidents
        )

    second = both[len(first) :]
    assert signature(first) == signature(second)  # same seed, same --now: the same winter again


def test_refuses_without_the_demo_data(demo, user_of):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="office").update(username="office-renamed")
    with pytest.raises(CommandError) as exc:
        run(**SMALL)
    message = str(exc.value)
    assert message.startswith("缺少预案组织体系或演示数据")  # Chinese first …
    assert (
        "load_plan --demo" in message and "run python manage.py load_plan --demo first" in message
    )  # … then English
    assert not generated().exists()


def test_refuses_without_a_plan_version(demo):
    from incidents.models import PlanVersion

    PlanVersion.objects.update(in_force=False)
    with pytest.raises(CommandError, match="load_plan --demo"):
        run(**SMALL)
    assert not generated().exists()


def test_refuses_too_few_events_before_writing_anything(demo):
    with pytest.raises(CommandError) as exc:
        run(**{**SMALL, "events": 10})
    assert "--events 10" in str(exc.value) and "至少" in str(exc.value) and "at least" in str(exc.value)
    assert not generated().exists()


def test_delete_is_refused_on_postgresql_and_changes_nothing(demo):
    run(**SMALL)
    with pytest.raises(CommandError) as exc:
        call_command("generate_winter", delete=True, stdout=StringIO())
    message = str(exc.value)
    assert message.startswith("不能删除") and "append-only" in message and "fresh database" in message
    assert generated().count() == 65
    assert Assignment.objects.filter(incident__in=generated()).count() == 40


def test_delete_with_nothing_generated_says_so(demo):
    out = StringIO()
    call_command("generate_winter", delete=True, stdout=out)
    assert "没有生成的数据" in out.getvalue()
