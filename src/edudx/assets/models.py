"""The school's asset register (sổ tài sản): rooms, asset items with their category, value
and condition, and the yearly stock-take (kiểm kê) with a result per item.

An item is one register line: one tagged thing (a projector) or a set kept as one line
(a lab equipment set, a classroom's desks). Values are whole đồng. Nothing is deleted: a
disposed item stays on the register with its disposal date and reason."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import OrgUnit


class RoomKind(models.TextChoices):
    CLASSROOM = "classroom", _("Phòng học")
    SUBJECT_ROOM = "subject_room", _("Phòng học bộ môn")
    COMPUTER_ROOM = "computer_room", _("Phòng máy tính")
    LAB = "lab", _("Phòng thí nghiệm")
    LIBRARY = "library", _("Thư viện")
    HALL = "hall", _("Hội trường, nhà đa năng")
    OFFICE = "office", _("Phòng làm việc")
    OTHER = "other", _("Khác")


class RoomCondition(models.TextChoices):
    GOOD = "good", _("Tốt")
    NEEDS_REPAIR = "needs_repair", _("Cần sửa chữa")
    UNUSABLE = "unusable", _("Không sử dụng được")


class Condition(models.TextChoices):
    GOOD = "good", _("Tốt")
    NEEDS_REPAIR = "needs_repair", _("Cần sửa chữa")
    BROKEN = "broken", _("Hỏng")
    DISPOSED = "disposed", _("Đã thanh lý")


# What a stock-take may see (disposal is a decision on the register, not an observation).
SEEN_CONDITIONS = (Condition.GOOD, Condition.NEEDS_REPAIR, Condition.BROKEN)
# What still works: an item that needs repair is in use with a defect; a broken one is not.
USABLE_CONDITIONS = (Condition.GOOD, Condition.NEEDS_REPAIR)


class Funding(models.TextChoices):
    STATE_BUDGET = "state_budget", _("Ngân sách nhà nước")
    PROGRAM = "program", _("Chương trình, dự án")
    SPONSOR = "sponsor", _("Tài trợ, xã hội hóa")
    SCHOOL_FUND = "school_fund", _("Nguồn thu của trường")
    OTHER = "other", _("Khác")


class Room(ExchangeModel):
    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="asset_rooms")
    name = models.CharField(_("tên phòng"), max_length=100)
    search_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(_("loại phòng"), max_length=20, choices=RoomKind.choices)
    floor_area = models.DecimalField(
        _("diện tích (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    condition = models.CharField(
        _("tình trạng"), max_length=20, choices=RoomCondition.choices, default=RoomCondition.GOOD
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="uniq_room_name")]
        ordering = ["search_name", "id"]

    def __str__(self) -> str:
        return self.name


class AssetCategory(models.Model):
    """Loaded from data/categories.json (`services.categories_sync`); `code` is stable."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    is_ict = models.BooleanField(default=False)
    # A computer pupils use in lessons (the Informatics room, a teaching laptop): the
    # yearly report's `computers_teaching` counts these.
    teaching_computer = models.BooleanField(default=False)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class AssetItem(ExchangeModel):
    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="asset_items")
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    # Where an item without a room is kept ("sân trường", "kho").
    location = models.CharField(_("vị trí"), max_length=100, blank=True)
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, related_name="+")
    tag = models.CharField(_("mã tài sản"), max_length=40)
    name = models.CharField(_("tên tài sản"), max_length=200)
    search_text = models.CharField(max_length=400, blank=True)  # fold(tag name serial)
    serial = models.CharField(_("số sê-ri"), max_length=100, blank=True)
    acquired_on = models.DateField(_("ngày đưa vào sử dụng"), null=True, blank=True)
    value = models.BigIntegerField(_("nguyên giá (đồng)"), null=True, blank=True)
    funding = models.CharField(_("nguồn kinh phí"), max_length=20, choices=Funding.choices)
    condition = models.CharField(
        _("tình trạng"), max_length=20, choices=Condition.choices, default=Condition.GOOD
    )
    disposed_on = models.DateField(_("ngày thanh lý"), null=True, blank=True)
    disposal_reason = models.CharField(_("lý do thanh lý"), max_length=255, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "tag"], name="uniq_asset_tag"),
        ]
        indexes = [
            # The register page and T11: one school's items by condition.
            models.Index(fields=["school", "condition"], name="asset_school_cond"),
        ]
        ordering = ["tag", "id"]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"


class InventoryCheck(ExchangeModel):
    """One stock-take of a school (kiểm kê), opened and closed by a clerk or the principal;
    at most one open at a time per school. Only a closed check counts for T11."""

    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="asset_checks")
    check_date = models.DateField(_("ngày kiểm kê"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(closed_at__isnull=True),
                name="uniq_open_check",
            )
        ]
        ordering = ["-check_date", "-id"]

    def __str__(self) -> str:
        return f"{self.school_id} {self.check_date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class InventoryResult(models.Model):
    inventory = models.ForeignKey(InventoryCheck, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(AssetItem, on_delete=models.CASCADE, related_name="results")
    found = models.BooleanField()
    condition_seen = models.CharField(max_length=20, choices=Condition.choices, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inventory", "item"], name="uniq_check_item"),
        ]
        # T11 reads results by item: uniq_check_item leads with the check, so a second index.
        indexes = [models.Index(fields=["item", "found"], name="check_result_item")]

    def __str__(self) -> str:
        return f"{self.inventory_id}:{self.item_id} {'+' if self.found else '-'}"
