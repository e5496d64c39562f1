import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from edudx.org.models import OrgUnit
from edudx.people.models import Person


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ Sở GDĐT")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ phòng/xã")
    PRINCIPAL = "principal", _("Hiệu trưởng")
    CLERK = "clerk", _("Văn thư/giáo vụ")
    TEACHER = "teacher", _("Giáo viên")
    HOMEROOM_TEACHER = "homeroom_teacher", _("Giáo viên chủ nhiệm")
    STUDENT = "student", _("Học sinh")
    GUARDIAN = "guardian", _("Phụ huynh")
    CITIZEN = "citizen", _("Công dân")


# Roles that see everything under their unit.
UNIT_WIDE_ROLES = {
    Role.SYSTEM_ADMIN,
    Role.PROVINCE_OFFICER,
    Role.COMMUNE_OFFICER,
    Role.PRINCIPAL,
    Role.CLERK,
}
# Roles that must pass TOTP two-factor before using the platform.
STAFF_ROLES = UNIT_WIDE_ROLES | {Role.TEACHER, Role.HOMEROOM_TEACHER}


class User(AbstractUser):
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    language = models.CharField(max_length=5, default="vi")

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        """How pages name the user: their person's full name, else the account's own name
        (office accounts without a person), else the username."""
        if self.person_id:
            return self.person.full_name
        return self.get_full_name() or self.username

    @cached_property
    def scope(self):
        from .scope import build_scope  # noqa: PLC0415 — scope imports people models

        return build_scope(self)

    @cached_property
    def roles(self) -> set[str]:
        # Read with the scope (one query for both, on every page: the menu needs the roles,
        # the selectors the scope).
        return set(self.scope.roles)

    @property
    def is_staff_role(self) -> bool:
        return bool(self.roles & STAFF_ROLES) or self.is_superuser


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="uniq_role_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}@{self.unit_id}"


class ApiToken(models.Model):
    """A system-to-system token. Only its SHA-256 is stored; it acts as `user` (whose role
    assignments scope every read) limited to `scopes` ("read", "write")."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
