"""`edudx token create --user U --name N --scope read [--scope write]` issues an API token
for a system (printed once); `edudx token revoke PREFIX` revokes it; `edudx token list`."""

from django.core.management.base import BaseCommand, CommandError

from edudx.accounts.models import ApiToken, User
from edudx.accounts.tokens import token_create, token_revoke
from edudx.core.errors import DomainError


class Command(BaseCommand):
    help = "Quản lý mã truy cập API (API tokens) cho hệ thống khác."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True, help="tài khoản mà mã truy cập đại diện")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", action="append", choices=["read", "write"], required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")
        sub.add_parser("list")

    def handle(self, *args, action, **opts):
        if action == "create":
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"Không có tài khoản '{opts['user']}'.")
            try:
                token, raw = token_create(
                    actor=None, user=user, name=opts["name"], scopes=opts["scope"]
                )
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(raw)
            self.stderr.write(
                f"Mã truy cập '{token.name}' ({token.prefix}) cho {user.username}, "
                f"phạm vi {','.join(token.scopes)}. Chỉ hiển thị một lần."
            )
        elif action == "revoke":
            token = ApiToken.objects.filter(prefix=opts["prefix"]).first()
            if token is None:
                raise CommandError(f"Không có mã truy cập '{opts['prefix']}'.")
            token_revoke(actor=None, token=token)
            self.stdout.write(f"Đã thu hồi {token.prefix}.")
        else:
            for t in ApiToken.objects.select_related("user").order_by("id"):
                state = "thu hồi" if t.revoked_at else "hiệu lực"
                self.stdout.write(
                    f"{t.prefix}  {t.name}  {t.user.username}  {','.join(t.scopes)}  {state}"
                )
