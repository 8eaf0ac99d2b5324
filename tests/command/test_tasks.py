"""Tasks for groups and units (issue 6): the states and who may move them, unit isolation (a 404, not a
hidden button) for every task URL and every file, returned and reassigned tasks, progress with files,
ending a response (§5.3.6) refused for each failing condition and allowed, and query budgets."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.approvals.services import level_request_act, level_request_submit
from command.assignments import services as tasking
from command.assignments.ending import response_end
from command.common import CommandError
from command.models import Assignment, LevelRequest, Notification, TaskFile
from incidents.models import Incident, TimelineEvent
from orgchart.models import Unit
from tests.support.incidents import REASON

HX = {"HX-Request": "true"}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)


def unit_task(incident, code):
    return Assignment.objects.get(incident=incident, unit__code=code, kind="assignment")


def group_task(incident, code):
    return Assignment.objects.get(incident=incident, group__code=code, unit__isnull=True)


def test_the_unit_signs_starts_and_completes(at_two, fresh):
    task = unit_task(at_two, "public_security")
    with pytest.raises(PermissionDenied):
        tasking.task_move(task_id=task.pk, user=fresh("office"), move="sign")  # signing is the unit's
    tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign", expected_state="pending")
    task.refresh_from_db()
    assert (task.state, task.signed_by_name) == ("signed", "刘晓军（演示）") and task.signed_at
    with pytest.raises(CommandError, match="已变为"):  # a stale page
        tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign", expected_state="pending")
    with pytest.raises(CommandError, match="不能“签收”"):
        tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign")
    tasking.task_move(task_id=task.pk, user=fresh("police"), move="start")
    tasking.task_move(task_id=task.pk, user=fresh("police"), move="done")
    task.refresh_from_db()
    assert task.state == "done" and task.done_by_name == "刘晓军（演示）"
    assert [n.action for n in task.notes.all()] == ["sign", "start", "done"]
    assert TimelineEvent.objects.filter(incident=at_two, data__task=task.pk).count() == 3


def test_the_head_of_the_unit_may_too_but_not_another_unit(at_two, fresh):
    task = unit_task(at_two, "public_security")
    tasking.task_move(task_id=task.pk, user=fresh("demo-public_security-head"), move="sign")
    with pytest.raises(Assignment.DoesNotExist):  # another unit's task does not exist for them
        tasking.task_move(task_id=task.pk, user=fresh("demo-health-liaison"), move="start")


def test_the_group_leader_signs_for_the_groups_assignment(at_two, fresh):
    task = group_task(at_two, "public_order")  # 社会稳定组: 组长 市公安局分管负责人
    with pytest.raises(PermissionDenied):
        tasking.task_move(task_id=task.pk, user=fresh("demo-public_security-deputy"), move="close")
    with pytest.raises(Assignment.DoesNotExist):
        tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign")  # the liaison is not the leader
    tasking.task_move(task_id=task.pk, user=fresh("demo-public_security-deputy"), move="sign")
    assert Assignment.objects.get(pk=task.pk).state == "signed"


def test_sending_back_needs_a_reason_and_the_command_is_told(
    at_two, fresh, django_capture_on_commit_callbacks
):
    task = unit_task(at_two, "transport")
    with pytest.raises(CommandError, match="理由"):
        tasking.task_move(task_id=task.pk, user=fresh("demo-transport-liaison"), move="return")
    with django_capture_on_commit_callbacks(execute=True):
        tasking.task_move(
            task_id=task.pk, user=fresh("demo-transport-liaison"), move="return", reason="本单位无大型车辆"
        )
    task.refresh_from_db()
    assert (task.state, task.returned_reason) == ("returned", "本单位无大型车辆")
    assert Notification.objects.filter(kind="task_returned", recipient__username="office").exists()


def test_a_concrete_task_issued_returned_and_reassigned(at_two, fresh, django_capture_on_commit_callbacks):
    police = Unit.objects.get(code="public_security")
    with pytest.raises(PermissionDenied):
        tasking.task_issue(incident_id=at_two.pk, user=fresh("police"), title="x", text="", unit_id=police.pk)
    with pytest.raises(CommandError, match="工作组或单位"):
        tasking.task_issue(incident_id=at_two.pk, user=fresh("office"), title="疏导交通", text="")
    with pytest.raises(CommandError, match="晚于现在"):
        tasking.task_issue(
            incident_id=at_two.pk,
            user=fresh("office"),
            title="疏导交通",
            text="",
            unit_id=police.pk,
            due_at=timezone.now() - timedelta(minutes=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        task = tasking.task_issue(
            incident_id=at_two.pk,
            user=fresh("commander"),
            title="疏导抢修现场周边交通",
            text="解放路与红旗街口设置绕行",
            unit_id=police.pk,
            due_at=timezone.now() + timedelta(hours=1),
            priority="urgent",
        )
    assert (task.kind, task.state, task.clause) == ("task", "pending", "§5.3.3(2)")
    assert Notification.objects.filter(kind="task", recipient__username="police", incident=at_two).exists()
    tasking.task_move(task_id=task.pk, user=fresh("police"), move="return", reason="需交警支队配合，请改派")
    health = Unit.objects.get(code="health")
    with pytest.raises(CommandError, match="理由"):
        tasking.task_reassign(task_id=task.pk, user=fresh("office"), unit_id=health.pk)
    tasking.task_reassign(task_id=task.pk, user=fresh("office"), unit_id=health.pk, reason="改由卫健委协调")
    task.refresh_from_db()
    assert (task.unit_id, task.state, task.returned_reason) == (health.pk, "pending", "")
    with pytest.raises(Assignment.DoesNotExist):  # no longer the police's
        tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign")
    tasking.task_move(task_id=task.pk, user=fresh("demo-health-liaison"), move="sign")
    # an assignment carries its unit's plan duties: it is not reassigned
    with pytest.raises(CommandError, match="不能改派"):
        tasking.task_reassign(
            task_id=unit_task(at_two, "transport").pk, user=fresh("office"), unit_id=health.pk, reason="x"
        )


def test_progress_signs_starts_and_keeps_files(at_two, fresh):
    task = unit_task(at_two, "public_security")
    with pytest.raises(CommandError, match="进展"):
        tasking.task_progress(task_id=task.pk, user=fresh("police"), text=" ")
    with pytest.raises(CommandError, match="不支持"):
        tasking.task_progress(
            task_id=task.pk,
            user=fresh("police"),
            text="x",
            files=[SimpleUploadedFile("a.exe", b"MZ", "application/octet-stream")],
        )
    big = SimpleUploadedFile("big.jpg", b"0" * (tasking.MAX_FILE_BYTES + 1), "image/jpeg")
    with pytest.raises(CommandError, match="太大"):
        tasking.task_progress(task_id=task.pk, user=fresh("police"), text="x", files=[big])
    assert not task.notes.exists()
    note = tasking.task_progress(
        task_id=task.pk,
        user=fresh("police"),
        text="已到场警力20人，封闭解放路",
        files=[SimpleUploadedFile("现场.png", PNG, "image/png")],
    )
    task.refresh_from_db()
    assert task.state == "in_progress" and task.signed_by_name == "刘晓军（演示）"
    f = note.files.get()
    assert (f.name, f.content_type, f.size, f.is_image) == ("现场.png", "image/png", len(PNG), True)
    assert "现场" not in f.file.name  # stored under a random name


def test_task_urls_and_files_are_404_for_another_unit(as_user, at_two, fresh):
    task = unit_task(at_two, "health")
    note = tasking.task_progress(
        task_id=task.pk,
        user=fresh("demo-health-liaison"),
        text="救护车3辆",
        files=[SimpleUploadedFile("p.png", PNG, "image/png")],
    )
    file_id = note.files.get().pk
    client = as_user("police")
    assert client.get(f"/command/tasks/{task.pk}/").status_code == 404
    for move in tasking.MOVES:
        assert client.post(f"/command/tasks/{task.pk}/move/{move}/", {"reason": "x"}).status_code == 404
    assert client.post(f"/command/tasks/{task.pk}/progress/", {"text": "x"}).status_code == 404
    assert client.post(f"/command/tasks/{task.pk}/reassign/", {"unit": "1", "reason": "x"}).status_code == 404
    assert client.get(f"/command/files/{file_id}/").status_code == 404
    assert Assignment.objects.get(pk=task.pk).state == "in_progress" and task.notes.count() == 1
    # the unit itself and the office see them; the photo is served inline, privately
    for username in ("demo-health-liaison", "office"):
        client = as_user(username)
        assert client.get(f"/command/tasks/{task.pk}/").status_code == 200
        resp = client.get(f"/command/files/{file_id}/")
        assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
        assert b"".join(resp.streaming_content) == PNG and "no-store" in resp["Cache-Control"]
    assert as_user("police").get("/command/files/999999/").status_code == 404


def test_my_tasks_lists_only_the_units_tasks(as_user, at_two):
    page = as_user("police").get("/command/tasks/").content.decode()
    mine = Assignment.objects.filter(incident=at_two, unit__code="public_security")
    others = Assignment.objects.filter(incident=at_two).exclude(unit__code="public_security")
    for t in mine:
        assert f'data-testid="task-{t.pk}"' in page
    for t in others:
        assert f'data-testid="task-{t.pk}"' not in page
    assert 'data-testid="sign"' in page


def test_the_command_page_shows_a_unit_only_its_own_assignments(as_user, at_two):
    page = as_user("police").get(f"/command/incidents/{at_two.pk}/").content.decode()
    own = unit_task(at_two, "public_security")
    other = unit_task(at_two, "health")
    assert f"/command/tasks/{own.pk}/" in page and f"/command/tasks/{other.pk}/" not in page


def test_signing_over_http_in_one_tap(as_user, at_two):
    task = unit_task(at_two, "public_security")
    resp = as_user("police").post(
        f"/command/tasks/{task.pk}/move/sign/", {"expected_state": "pending", "next": "mine"}, follow=True
    )
    assert resp.redirect_chain[-1][0] == "/command/tasks/"
    assert Assignment.objects.get(pk=task.pk).state == "signed"
    board = as_user("office").get(f"/command/incidents/{at_two.pk}/tasks/").content.decode()
    assert "已签收 1" in board


@pytest.mark.django_db(transaction=True)
def test_two_signs_at_once_one_wins(demo, incident_in, fresh, settings, tmp_path):
    incident = incident_in("responding", level=2)
    task = Assignment.objects.get(incident=incident, unit__code="public_security")
    results, barrier = {}, threading.Barrier(2)

    def run(name, username):
        try:
            barrier.wait(timeout=20)
            results[name] = (
                "ok",
                tasking.task_move(
                    task_id=task.pk, user=fresh(username), move="sign", expected_state="pending"
                ),
            )
        except Exception as exc:
            results[name] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(n, u))
        for n, u in (("a", "police"), ("b", "demo-public_security-head"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v[0] for v in results.values()) == ["error", "ok"], results
    assert isinstance(next(v[1] for v in results.values() if v[0] == "error"), CommandError)
    assert Assignment.objects.get(pk=task.pk).notes.filter(action="sign").count() == 1


# ---- ending the response (§5.3.6) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("still_trapped", 2, "仍有 2 人被困"),
        ("still_missing", 1, "仍有 1 人失联"),
        ("dead_unrecovered", 1, "仍有 1 名遇难人员未救出"),
        ("hazards_controlled", False, "次生、衍生事故"),
    ],
)
def test_ending_is_refused_for_each_failing_condition(at_two, fresh, field, value, says):
    Incident.objects.filter(pk=at_two.pk).update(
        people_at_risk_peak=5, still_trapped=0, still_missing=0, dead_unrecovered=0, hazards_controlled=True
    )
    Incident.objects.filter(pk=at_two.pk).update(**{field: value})
    decisions = {t.pk: "carry" for t in Assignment.objects.filter(incident=at_two)}
    with pytest.raises(CommandError, match=says):
        response_end(incident_id=at_two.pk, user=fresh("commander"), decisions=decisions)
    incident = Incident.objects.get(pk=at_two.pk)
    assert incident.state == "responding"
    assert not Assignment.objects.filter(incident=at_two, carried_to_aftermath=True).exists()


def test_ending_decides_every_open_task_then_moves_to_aftermath(at_two, fresh):
    Incident.objects.filter(pk=at_two.pk).update(hazards_controlled=True)
    done = unit_task(at_two, "public_security")
    tasking.task_move(task_id=done.pk, user=fresh("police"), move="sign")
    tasking.task_move(task_id=done.pk, user=fresh("police"), move="done")
    open_tasks = list(Assignment.objects.filter(incident=at_two, state__in=Assignment.OPEN_STATES))
    close_me = open_tasks[0]
    with pytest.raises(PermissionDenied):  # Ⅱ: the on-site commander ends it, not the office director
        response_end(
            incident_id=at_two.pk, user=fresh("director"), decisions={t.pk: "carry" for t in open_tasks}
        )
    with pytest.raises(CommandError, match="每项未完成"):
        response_end(incident_id=at_two.pk, user=fresh("commander"), decisions={close_me.pk: "close"})
    decisions = {t.pk: "carry" for t in open_tasks} | {close_me.pk: "close"}
    response_end(incident_id=at_two.pk, user=fresh("commander"), decisions=decisions, reason="已全部恢复供热")
    incident = Incident.objects.get(pk=at_two.pk)
    assert incident.state == "aftermath"
    close_me.refresh_from_db()
    assert close_me.state == "closed" and not close_me.carried_to_aftermath
    assert (
        Assignment.objects.filter(incident=at_two, carried_to_aftermath=True).count() == len(open_tasks) - 1
    )
    assert Assignment.objects.get(pk=done.pk).state == "done"
    events = list(TimelineEvent.objects.filter(incident=at_two).order_by("-id")[:4])
    assert "善后处置事项 6 项" in events[0].summary and events[0].clause.startswith("§7.1")
    assert events[1].data["move"] == "begin_aftermath" and "随响应结束" in events[1].actor_post
    assert "关闭1项" in events[2].summary
    assert events[3].data["move"] == "end_response" and events[3].actor.username == "commander"
    # In aftermath the office still issues tasks: they are aftermath work (§7.1).
    later = tasking.task_issue(
        incident_id=at_two.pk, user=fresh("office"), title="回访受影响住户", text="", unit_id=done.unit_id
    )
    assert (later.phase, later.clause) == ("aftermath", "§7.1")


def test_ending_through_an_approved_request_carries_every_open_task(at_two, fresh):
    Incident.objects.filter(pk=at_two.pk).update(hazards_controlled=True)
    r = level_request_submit(incident_id=at_two.pk, actor=fresh("office"), end=True, reason="供热已恢复")
    assert r.steps == ["decide"]
    level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=0)
    assert LevelRequest.objects.get(pk=r.pk).status == "approved"
    assert Incident.objects.get(pk=at_two.pk).state == "aftermath"
    assert not Assignment.objects.filter(
        incident=at_two, state__in=Assignment.OPEN_STATES, carried_to_aftermath=False, phase="response"
    ).exists()


def test_ending_from_the_incident_page_carries_every_open_task(at_two, fresh):
    Incident.objects.filter(pk=at_two.pk).update(hazards_controlled=True)
    Incident.objects.get(pk=at_two.pk).end_response(fresh("commander"), reason=REASON)
    assert Incident.objects.get(pk=at_two.pk).state == "response_ended"
    assert (
        Assignment.objects.filter(incident=at_two, carried_to_aftermath=True).count()
        == Assignment.objects.filter(incident=at_two).count()
    )


def test_end_form_over_http(as_user, at_two):
    client = as_user("commander")
    page = client.get(f"/command/incidents/{at_two.pk}/end/").content.decode()
    assert 'data-testid="end-blocked"' in page  # hazards not yet recorded as controlled
    tasks = Assignment.objects.filter(incident=at_two)
    resp = client.post(f"/command/incidents/{at_two.pk}/end/", {f"task-{t.pk}": "carry" for t in tasks})
    assert resp.status_code == 422 and "§5.3.6" in resp.content.decode()
    Incident.objects.filter(pk=at_two.pk).update(hazards_controlled=True)
    resp = client.post(f"/command/incidents/{at_two.pk}/end/", {f"task-{t.pk}": "carry" for t in tasks})
    assert resp.status_code == 302 and Incident.objects.get(pk=at_two.pk).state == "aftermath"
    page = as_user("police").get(f"/command/incidents/{at_two.pk}/end/", follow=True).content.decode()
    assert "没有进行中的响应" in page


def test_end_form_for_someone_without_the_authority(as_user, at_two):
    page = as_user("office").get(f"/command/incidents/{at_two.pk}/end/").content.decode()
    assert 'data-testid="end-not-allowed"' in page and 'data-testid="end-form"' not in page


# ---- query budgets and the live board ---------------------------------------------------------------


def _queries(client, url, **kw):
    client.get(url, **kw)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


def test_task_pages_cost_a_constant_number_of_queries(as_user, at_two, fresh):
    police_task = unit_task(at_two, "public_security")
    urls = {
        "police": [
            "/command/tasks/",
            f"/command/tasks/{police_task.pk}/",
            f"/command/incidents/{at_two.pk}/tasks/",
        ],
        "office": [
            "/command/tasks/",
            f"/command/incidents/{at_two.pk}/tasks/",
            f"/command/tasks/{police_task.pk}/",
        ],
    }
    # one note with a file first: a prefetch query runs only once there is something to prefetch
    tasking.task_progress(
        task_id=police_task.pk,
        user=fresh("police"),
        text="到场",
        files=[SimpleUploadedFile("0.png", PNG, "image/png")],
    )
    before = {(u, url): _queries(as_user(u), url) for u, us in urls.items() for url in us}
    for i in range(1, 6):
        tasking.task_issue(
            incident_id=at_two.pk,
            user=fresh("office"),
            title=f"任务{i}",
            text="",
            unit_id=police_task.unit_id,
        )
        tasking.task_progress(
            task_id=police_task.pk,
            user=fresh("police"),
            text=f"进展{i}",
            files=[SimpleUploadedFile(f"{i}.png", PNG, "image/png")],
        )
    after = {(u, url): _queries(as_user(u), url) for u, us in urls.items() for url in us}
    assert after == before
    assert TaskFile.objects.count() == 6


def test_board_partial_answers_204_when_unchanged(as_user, at_two, fresh):
    import re

    client = as_user("office")
    part = client.get(f"/command/incidents/{at_two.pk}/tasks/?part=board", headers=HX).content.decode()
    assert part.lstrip().startswith('<section id="board"')
    sig = re.search(r"sig=(\w+)", part).group(1)
    assert (
        client.get(f"/command/incidents/{at_two.pk}/tasks/?part=board&sig={sig}", headers=HX).status_code
        == 204
    )
    tasking.task_move(task_id=unit_task(at_two, "public_security").pk, user=fresh("police"), move="sign")
    assert (
        client.get(f"/command/incidents/{at_two.pk}/tasks/?part=board&sig={sig}", headers=HX).status_code
        == 200
    )


def test_units_and_group_leaders_are_told_of_their_assignments(at_two):
    police = unit_task(at_two, "public_security")
    assert (
        Notification.objects.filter(
            recipient__username="police", kind="task", url=f"/command/tasks/{police.pk}/"
        ).count()
        == 1
    )
    order = group_task(at_two, "public_order")
    assert Notification.objects.filter(
        recipient__username="demo-public_security-deputy", url=f"/command/tasks/{order.pk}/"
    ).exists()
    from command.assignments.notices import notify_new_assignments

    before = Notification.objects.count()
    notify_new_assignments(at_two.pk)  # again: exactly once
    assert Notification.objects.count() == before
