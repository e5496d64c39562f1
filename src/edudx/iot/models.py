"""IoT in schools: devices (classroom environment sensors, electricity meters), their
readings, alert rules and the incidents the rules open.

A reading is unique on (device, metric, measured_at): an MQTT message redelivered under
QoS 1, or an HTTP batch sent twice, never stores a value twice. That unique index is also
the one "latest value of a metric" and "a metric over a time range" read backwards or as a
range (`iot_reading_key`). Readings older than the raw retention (90 days) are rolled up
into hourly `ReadingRollup` rows and deleted (`services.readings_compact`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.core.notes import in_language
from edudx.org.models import OrgUnit


class DeviceKind(models.TextChoices):
    CLASSROOM = "classroom_env", _("Cảm biến môi trường lớp học")
    OUTDOOR = "outdoor_air", _("Trạm quan trắc không khí ngoài trời")
    METER = "power_meter", _("Công tơ điện")


class Metric(models.TextChoices):
    TEMPERATURE = "temperature_c", _("Nhiệt độ (°C)")
    HUMIDITY = "humidity_pct", _("Độ ẩm (%)")
    CO2 = "co2_ppm", _("CO₂ (ppm)")
    PM25 = "pm25_ugm3", _("Bụi mịn PM2.5 (µg/m³)")
    POWER = "power_kw", _("Công suất điện (kW)")


# The values a sensor can physically report; anything outside is a fault, refused on ingest.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    Metric.TEMPERATURE: (-40.0, 85.0),
    Metric.HUMIDITY: (0.0, 100.0),
    Metric.CO2: (0.0, 10000.0),
    Metric.PM25: (0.0, 1000.0),
    Metric.POWER: (0.0, 5000.0),
}
METRIC_UNITS = {
    Metric.TEMPERATURE: "°C",
    Metric.HUMIDITY: "%",
    Metric.CO2: "ppm",
    Metric.PM25: "µg/m³",
    Metric.POWER: "kW",
}


class Device(ExchangeModel):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="iot_devices")
    # What the device sends (MQTT topic segment, X-Device-Id): letters, digits, - and _.
    device_id = models.CharField(_("mã thiết bị"), max_length=64, unique=True)
    name = models.CharField(_("tên thiết bị"), max_length=120)
    location = models.CharField(_("vị trí / phòng"), max_length=120, blank=True)
    kind = models.CharField(_("loại thiết bị"), max_length=20, choices=DeviceKind.choices)
    # SHA-256 of a 32-byte random secret (high entropy: no slow hash needed, as API tokens).
    secret_hash = models.CharField(max_length=64)
    active = models.BooleanField(_("đang hoạt động"), default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The newest value per metric, {metric: [iso time, value]}, kept by ingest so list
    # pages never scan readings.
    latest = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["school", "name"], name="iot_device_school")]
        ordering = ["school_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.device_id} {self.name}"


class Reading(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    measured_at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "metric", "measured_at"], name="iot_reading_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric}@{self.measured_at:%Y-%m-%d %H:%M}={self.value}"


class Comparison(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class Severity(models.TextChoices):
    INFO = "info", _("Thông tin")
    WARNING = "warning", _("Cảnh báo")
    CRITICAL = "critical", _("Nghiêm trọng")


class Rule(models.Model):
    """An alert condition. `unit` null: a built-in rule for every school. A rule of a
    school or an office applies to the schools under it and replaces a wider rule on the
    same metric and direction (above / below) — the deepest unit wins, so a school can
    tighten a threshold or switch it off (`active=False`). `clear_level`: the incident
    closes only once a reading is back at or beyond it (hysteresis, rules.clears); null:
    at the first reading that does not break the rule."""

    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="iot_rules"
    )
    device_kind = models.CharField(
        _("loại thiết bị"), max_length=20, choices=DeviceKind.choices, blank=True
    )
    metric = models.CharField(_("chỉ số"), max_length=20, choices=Metric.choices)
    comparison = models.CharField(_("so sánh"), max_length=3, choices=Comparison.choices)
    threshold = models.FloatField(_("ngưỡng"))
    clear_level = models.FloatField(_("ngưỡng kết thúc"), null=True, blank=True)
    sustained_minutes = models.PositiveIntegerField(_("kéo dài (phút)"), default=0)
    severity = models.CharField(
        _("mức độ"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    message = models.CharField(_("thông điệp"), max_length=300)
    # Optional: readers of English see `message` when it is empty.
    message_en = models.CharField(_("thông điệp tiếng Anh"), max_length=300, blank=True)
    active = models.BooleanField(_("đang áp dụng"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["metric", "unit"], name="iot_rule_metric")]
        ordering = ["metric", "comparison", "id"]

    def __str__(self) -> str:
        return f"{self.metric} {self.get_comparison_display()} {self.threshold:g}"

    @property
    def is_upper(self) -> bool:
        return self.comparison in (Comparison.GT, Comparison.GTE)

    @property
    def message_text(self) -> str:
        """The message in the active language: English when asked for and given."""
        return in_language(self.message, self.message_en)


class Incident(ExchangeModel):
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="incidents")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="incidents")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    peak_value = models.FloatField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Never two open incidents for one rule and device (a partial unique index).
            models.UniqueConstraint(
                fields=["rule", "device"],
                condition=Q(closed_at__isnull=True),
                name="iot_one_open_incident",
            )
        ]
        indexes = [models.Index(fields=["device", "-opened_at"], name="iot_incident_device")]
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id}/{self.rule_id}@{self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ReadingRollup(models.Model):
    """What is kept of a device's readings of one metric in one time bucket once the raw
    readings are older than the raw retention (`services.readings_compact`, docs/iot.md
    "Retention"): how many there were, their extremes and their sum (so buckets merge
    exactly: counts and sums add). `bucket_start` is aligned to `bucket_seconds` since the
    Unix epoch, in UTC (an hour bucket is a whole local hour too: Asia/Ho_Chi_Minh is UTC+7).
    `iot_rollup_key` is also the index a time-range read walks, as iot_reading_key is."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="rollups")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    bucket_start = models.DateTimeField()
    bucket_seconds = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    min_value = models.FloatField()
    max_value = models.FloatField()
    total = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "metric", "bucket_start"], name="iot_rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric}@{self.bucket_start:%Y-%m-%d %H:%M}×{self.count}"

    @property
    def mean(self) -> float:
        return self.total / self.count
