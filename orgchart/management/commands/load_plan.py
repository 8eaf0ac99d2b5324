from django.core.management import call_command
from django.core.management.base import BaseCommand

from orgchart.demo import load_demo
from orgchart.loader import load_plan
from orgchart.plan_2021 import PLAN


class Command(BaseCommand):
    help = f"载入预案（{PLAN['doc_no']}）的组织体系；--demo 另加演示数据。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="add the demo set (fictitious, marked 演示)")

    def handle(self, *args, demo=False, **options):
        changed = load_plan()
        if options["verbosity"]:
            self.stdout.write(
                f"预案组织体系：{changed} 条新增或更新 / plan org chart: {changed} rows created or changed"
            )
        if demo:
            call_command("create_demo_accounts", quiet=True)
            load_demo()
            if options["verbosity"]:
                self.stdout.write("演示数据已就绪 / demo data ready")
