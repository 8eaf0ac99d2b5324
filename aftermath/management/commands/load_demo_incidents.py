from django.core.management.base import BaseCommand

from aftermath.demo import load_demo_incidents


class Command(BaseCommand):
    help = "载入演示事件（须先运行 load_plan --demo；可重复运行）/ Load the demo incidents (idempotent)."

    def handle(self, *args, **options):
        n = load_demo_incidents()
        if options["verbosity"]:
            self.stdout.write(f"演示事件：新增 {n} 起 / demo incidents: {n} created")
