from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from orgchart.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ROLE_LABELS


class Command(BaseCommand):
    help = "创建演示账号（幂等）/ Create the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    @transaction.atomic
    def handle(self, *args, quiet=False, **options):
        User = get_user_model()
        for username, full_name, role, _unit in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            # Chinese names are not "first last": the whole name goes in first_name.
            changed = created or user.first_name != full_name or not user.check_password(DEMO_PASSWORD)
            if changed:
                user.first_name, user.last_name = full_name, ""
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                user.save()
            if not quiet:
                self.stdout.write(f"  {username:<10} {DEMO_PASSWORD}   {ROLE_LABELS[role]}")
