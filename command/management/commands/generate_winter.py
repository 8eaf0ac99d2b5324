"""``python manage.py generate_winter``: a realistic winter of generated data to try the platform with
(issue 8). The options are read here; the work is ``command.winter`` (see its package docstring)."""

from django.core.management.base import BaseCommand

from command.winter.generate import generate

HELP = """生成一个“真实的冬天”用于试用（议题 8）：过去两个完整采暖季（运城 11月15日—次年3月15日）及本采暖季至今
（截至一周前）的历史事件、正在处置的事件、任务和时间线。需先运行 `python manage.py load_plan --demo`。
生成的事件标题以“【生成】”开头；同一 --seed 与同一 --now 生成相同的数据，再次运行追加同样数量的数据。
--delete：PostgreSQL 上时间线和续报是只追加的（触发器拒绝 UPDATE/DELETE），生成的事件无法删除，命令会说明并
不作任何修改；要重新开始，请使用新的数据库（建库、migrate、load_plan --demo、generate_winter）。没有该触发器的
数据库（内嵌模式 SQLite）上，--delete 删除生成的事件及其全部关联记录。注意：运行中的 Celery 提醒会对生成的
进行中事件和未完成任务发送提醒（已配置的短信、邮件、Webhook 渠道也会发送），只在演示或测试环境中使用。

Generates a realistic winter to try the platform with (issue 8): past incidents over the last two complete
heating seasons (Yuncheng: 15 Nov - 15 Mar) and the current one up to a week ago, active incidents, tasks
and timeline events. Needs `python manage.py load_plan --demo` first. Generated incidents' titles start
with 【生成】; the same --seed and --now give the same data, and a second run adds the same amounts again.
--delete: on PostgreSQL the timeline and follow-up reports are append-only (a trigger refuses UPDATE and
DELETE), so generated incidents cannot be removed: the command says so and changes nothing; to start over,
use a fresh database (create it, migrate, load_plan --demo, generate_winter). On a database without that
trigger (embedded SQLite) --delete removes the generated incidents and everything attached to them.
Beware: a running Celery beat sends reminders for the generated active incidents and open tasks (also
over SMS, email and webhook where configured): use it on demo and test installations only."""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("--past", type=int, default=5000, help="past (closed) incidents (5000)")
        parser.add_argument("--active", type=int, default=50, help="active incidents (50)")
        parser.add_argument("--tasks", type=int, default=3000, help="tasks and assignments (3000)")
        parser.add_argument("--events", type=int, default=50000, help="timeline events (50000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
        parser.add_argument("--drills", type=float, default=0.05, help="share of drills, 0-1 (0.05)")
        parser.add_argument(
            "--now",
            default="",
            help="the time the winter ends at, ISO 8601 (default: now); for reproducible runs",
        )
        parser.add_argument("--delete", action="store_true", help="remove generated data where possible")

    def handle(self, *args, **opts):
        generate(opts, self.stdout.write)
