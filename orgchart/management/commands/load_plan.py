from django.core.management.base import BaseCommand

from orgchart.loader import load_plan


class Command(BaseCommand):
    help = "载入预案（运政办发〔2021〕68 号）的组织体系；--demo 另加演示数据。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="add the demo set (fictitious, marked 演示)")

    def handle(self, *args, demo=False, **options):
        from django.core.management import call_command

        changed = load_plan()
        if options["verbosity"]:
            self.stdout.write(
                f"预案组织体系：{changed} 条新增或更新 / plan org chart: {changed} rows created or changed"
            )
        if demo:
            from orgchart.demo import load_demo

            call_command("create_demo_accounts", quiet=True)
            load_demo()
            if options["verbosity"]:
                self.stdout.write("演示数据已就绪 / demo data ready")
