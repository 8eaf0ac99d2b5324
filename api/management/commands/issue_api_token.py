"""Issue an API token from the command line (the office page /api/office/tokens/ does the same): the
secret is printed once. Recorded in the change log as issued by ``--by`` (an office account)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import Scope
from api.services import token_issue
from orgchart.models import Unit


class Command(BaseCommand):
    help = (
        "签发接口令牌（只显示一次）：--unit 单位代码 --name 名称 [--scopes ...] [--days 365] --by 办公室账号"
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="单位代码，如 demo-heat-1")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", nargs="+", default=list(Scope.values), choices=Scope.values)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--by", default="office", help="签发人（市指挥部办公室的账号）")

    def handle(self, *args, unit, name, scopes, days, by, **options):
        try:
            actor = get_user_model().objects.get(username=by)
            target = Unit.objects.get(code=unit)
            _token, secret = token_issue(
                actor=actor,
                unit=target,
                name=name,
                scopes=scopes,
                expires_at=timezone.now() + timedelta(days=days),
            )
        except (get_user_model().DoesNotExist, Unit.DoesNotExist, PermissionDenied, ValidationError) as e:
            raise CommandError(str(e) or type(e).__name__) from None
        self.stdout.write(secret)
