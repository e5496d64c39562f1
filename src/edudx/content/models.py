"""Curriculum framework (topics and learning outcomes of CT GDPT 2018) and the shared digital
learning repository.

The subjects and their periods per year are records' (`records.Subject`,
`records.CurriculumSubject`, loaded from records/data/curriculum_2018.csv); this app only
adds, per (subject, grade), the topics (chủ đề / mạch nội dung) with their share of the
subject's periods, and the learning outcomes (yêu cầu cần đạt) under each topic.

Search columns `search_title` / `search_text` hold the text folded by `core.text.fold`
(lower case, no diacritics), so "phan so" finds "Phân số" on both engines; the indexes
over them are engine-specific (migration 0002: FTS5 on SQLite, a GIN tsvector expression
on PostgreSQL) and not part of the model state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import OrgUnit
from edudx.records.models import Subject


class Topic(models.Model):
    """A topic or unit of a subject in one grade, with its share of the subject's periods."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="topics")
    grade = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    strand = models.CharField(max_length=200, blank=True)  # mạch kiến thức
    periods = models.PositiveSmallIntegerField()
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "grade", "code"], name="uniq_topic_code")
        ]
        ordering = ["grade", "subject__sort_order", "sort_order"]

    def __str__(self) -> str:
        return f"{self.grade} {self.subject_id} {self.code} {self.title}"


class Outcome(models.Model):
    """A learning outcome (yêu cầu cần đạt) of a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=40)
    text = models.TextField()
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "code"], name="uniq_outcome_code")]
        ordering = ["topic", "sort_order"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.code}"


class ResourceType(models.TextChoices):
    ELECTURE = "electure", _("Bài giảng điện tử")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Âm thanh")
    DOCUMENT = "document", _("Tài liệu")
    ETEXTBOOK = "etextbook", _("Sách giáo khoa điện tử")
    SIMULATION = "simulation", _("Mô phỏng HTML5")
    LINK = "link", _("Liên kết kho học liệu ngoài")
    QUESTION_SET = "question_set", _("Bộ câu hỏi")


class Language(models.TextChoices):
    VIETNAMESE = "vi", _("Tiếng Việt")
    ENGLISH = "en", _("Tiếng Anh")
    EDE = "rad", _("Tiếng Ê Đê")
    MNONG = "mnw", _("Tiếng M'nông")
    BAHNAR = "bdq", _("Tiếng Ba Na")
    JRAI = "jra", _("Tiếng Gia Rai")
    KHMER = "km", _("Tiếng Khmer")
    HMONG = "hmn", _("Tiếng Mông")
    CHAM = "cja", _("Tiếng Chăm")
    TAY = "tyz", _("Tiếng Tày")
    THAI = "tmr", _("Tiếng Thái")


class Licence(models.TextChoices):
    CC_BY = "cc-by", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa", "CC BY-SA 4.0"
    CC_BY_ND = "cc-by-nd", "CC BY-ND 4.0"
    CC_BY_NC = "cc-by-nc", "CC BY-NC 4.0"
    CC_BY_NC_SA = "cc-by-nc-sa", "CC BY-NC-SA 4.0"
    CC_BY_NC_ND = "cc-by-nc-nd", "CC BY-NC-ND 4.0"
    CC0 = "cc0", "CC0 1.0"
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("Bảo lưu mọi quyền")


OPEN_LICENCES = frozenset(Licence.values) - {Licence.ALL_RIGHTS_RESERVED}


class ResourceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ duyệt")
    REVIEWED = "reviewed", _("Đã thẩm định")
    PUBLISHED = "published", _("Đã xuất bản")
    RETURNED = "returned", _("Trả lại để sửa")


class PublishScope(models.TextChoices):
    SCHOOL = "school", _("Trong trường")
    COMMUNE = "commune", _("Trong xã/phường")
    PROVINCE = "province", _("Toàn tỉnh")
    # Open to everyone, signed in or not (the plan's lifelong learning, T26): published by
    # the province, under an open licence.
    PUBLIC = "public", _("Công khai cho mọi người")


class Resource(ExchangeModel):
    # Column order matters on SQLite: the columns every search filters on come first, so a
    # row probed from the full-text index is judged without reading past its long texts.
    status = models.CharField(
        max_length=12, choices=ResourceStatus.choices, default=ResourceStatus.SUBMITTED
    )
    scope_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=20, choices=ResourceType.choices)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="resources")
    grade = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.VIETNAMESE)
    published_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=10, choices=PublishScope.choices, blank=True)
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="resources")
    title = models.CharField(max_length=300)
    licence = models.CharField(max_length=30, choices=Licence.choices)
    author = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    # The stored file (none for links and typed question sets); `mime` is what the bytes
    # are (content sniffing), never what the client claimed.
    file = models.FileField(upload_to="content/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    entry_page = models.CharField(max_length=255, blank=True)  # simulation packages
    external_url = models.URLField(max_length=500, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="resources")
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="resources")
    description = models.TextField(blank=True)
    body = models.TextField(blank=True)  # text of the lesson or extracted text, searched
    search_title = models.CharField(max_length=300, blank=True)
    search_text = models.TextField(blank=True)
    # Filter tokens for the SQLite full-text index (content.search): "pub" when published,
    # s<scope unit id>, a<id> for the scope unit and each unit above it, j<subject id>,
    # g<grade>, y<type>, l<language>, t<topic id>. Filters then intersect in the index.
    search_facets = models.TextField(blank=True)
    # Text read from an uploaded PDF (content.extract), searched with the body; or why it
    # could not be read (Vietnamese, shown to the uploader). Nullable, so adding them is an
    # ALTER TABLE on SQLite, not a rebuild that would drop the search triggers.
    file_text = models.TextField(null=True, blank=True)  # noqa: DJ001
    file_text_error = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        indexes = [
            models.Index(fields=["status", "subject", "grade"], name="resource_status_subject"),
            models.Index(fields=["school", "status"], name="resource_school_status"),
        ]
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Gửi duyệt")
    REVIEW = "review", _("Thẩm định đạt")
    PUBLISH = "publish", _("Xuất bản")
    RETURN = "return", _("Trả lại")


class ResourceReview(models.Model):
    """One step of a resource's moderation, with the reviewer's comment."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=10, choices=ReviewAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    scope = models.CharField(max_length=10, blank=True, choices=PublishScope.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.action}"


class ResourceRating(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="uniq_resource_rating")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.stars}"


class ResourceComment(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.text[:30]}"
