"""What the generator says it wrote: counts by state, level, category, county, kind."""

from command.models import Assignment
from incidents.choices import CATEGORY_SHORT, State
from incidents.models import TimelineEvent

from .data import MARK


def report(write, c, seconds):
    """Write the summary of ``c`` (the counts ``Winter.write`` returns) line by line with ``write``."""
    write(
        f"已生成事件 {c['incidents']:,} 起 / incidents: {c['incidents']:,}"
        f"（过去 past {c['past']:,}：{fmt_counter(c['past_states'], state_label)}；"
        f"进行中 active {c['active']:,}：{fmt_counter(c['active_states'], state_label)}；演练 drills {c['drills']:,}）"
    )
    write(f"  响应级别 levels: {fmt_counter(c['levels'])}")
    write(f"  类别 categories: {fmt_counter(c['categories'], category_label)}")
    write(f"  县（市、区）counties: {fmt_counter(c['counties'])}")
    write(
        f"任务 {c['tasks']:,} 项 / tasks: {c['tasks']:,}（{fmt_counter(c['task_kinds'])}；"
        f"{fmt_counter(c['task_states'], task_state_label)}；逾期未完成 overdue {c['overdue']:,}）"
    )
    write(
        f"时间线 {c['events']:,} 条 / timeline events: {c['events']:,}（{fmt_counter(c['event_kinds'], event_kind_label)}）"
    )
    write("另有 / also: " + "，".join(f"{label} {n:,}" for label, n in c["also"].items()))
    write(f"生成的事件标题以“{MARK}”开头 / generated incidents' titles start with {MARK}")
    write(f"用时 {seconds:.1f} 秒 / took {seconds:.1f} s")


def fmt_counter(counter, label=str):
    """ "已归档 archived 3,366，…": most first, with the Chinese label where ``label`` gives one."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return "，".join(f"{label(k)} {v:,}" for k, v in items)


def state_label(code):
    return f"{State(code).label} {code}"


def category_label(code):
    return f"{CATEGORY_SHORT[code]} {code}"


def task_state_label(code):
    return f"{Assignment.State(code).label} {code}"


def event_kind_label(code):
    return f"{TimelineEvent.Kind(code).label} {code}"
