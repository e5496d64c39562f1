"""Recompute the audit hash chain (`edudx audit verify`).

Streams the events in id order (ids are handed out under the head lock, so id order is
chain order), checks each event's link to the one before and its own hash, and finally that
`AuditChainHead` names the last event. Memory stays flat on millions of rows."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import GENESIS_HASH, AuditChainHead, AuditEvent

# Rounds of catching up with events appended while verifying, before settling for the
# part of the chain that existed when verification started.
_MAX_ROUNDS = 5


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    code: str  # "hash" (content edited), "link" (row deleted or edited), "head", "stray"
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_event_id: int
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _head() -> tuple[str, int] | None:
    row = (
        AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_PK)
        .values_list("last_hash", "last_event_id")
        .first()
    )
    return (row[0], row[1] or 0) if row else None


def chain_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Verify the whole chain; stops at the first problem and names that event."""
    prev_hash, prev_id, checked = GENESIS_HASH, 0, 0
    head = _head()
    for _round in range(_MAX_ROUNDS):
        head_hash, head_id = head if head else (GENESIS_HASH, 0)
        events = (
            AuditEvent.objects.filter(id__gt=prev_id, id__lte=head_id)
            .order_by("id")
            .iterator(chunk_size=chunk_size)
        )
        for ev in events:
            if ev.prev_hash != prev_hash:
                return ChainReport(checked, prev_id, _link_problem(ev.pk, prev_id))
            if ev.compute_hash() != ev.hash:
                return ChainReport(
                    checked,
                    prev_id,
                    ChainProblem(
                        ev.pk,
                        "hash",
                        _("Sự kiện nhật ký #%(id)s đã bị sửa: nội dung không khớp mã băm đã ghi.")
                        % {"id": ev.pk},
                    ),
                )
            prev_hash, prev_id = ev.hash, ev.pk
            checked += 1
        if prev_hash != head_hash or prev_id != head_id:
            return ChainReport(checked, prev_id, _head_problem(head_id, prev_id))
        # Events after the head: appended while we read (their head update is committed
        # with them, so a fresh read of the head covers them), or slipped in behind the
        # application's back.
        stray = (
            AuditEvent.objects.filter(id__gt=head_id).order_by("id").values_list("id", flat=True)
        ).first()
        if stray is None:
            return ChainReport(checked, prev_id)
        head = _head()
        if head is None or head[1] < stray:
            return ChainReport(
                checked,
                prev_id,
                ChainProblem(
                    stray,
                    "stray",
                    _(
                        "Sự kiện nhật ký #%(id)s nằm sau sự kiện cuối của chuỗi (#%(last)s): "
                        "nó được chèn ngoài ứng dụng."
                    )
                    % {"id": stray, "last": prev_id},
                ),
            )
    return ChainReport(checked, prev_id)


def _link_problem(event_id: int, prev_id: int) -> ChainProblem:
    if prev_id:
        message = _(
            "Sự kiện nhật ký #%(id)s không nối tiếp sự kiện #%(prev)s: sự kiện giữa hai số "
            "này đã bị xóa, hoặc sự kiện #%(prev)s đã bị sửa."
        ) % {"id": event_id, "prev": prev_id}
    else:
        message = _(
            "Sự kiện nhật ký #%(id)s không nối tiếp điểm đầu chuỗi: các sự kiện trước nó đã "
            "bị xóa, hoặc nó đã bị sửa."
        ) % {"id": event_id}
    return ChainProblem(event_id, "link", message)


def _head_problem(head_id: int, last_id: int) -> ChainProblem:
    return ChainProblem(
        head_id or None,
        "head",
        _(
            "Đầu chuỗi ghi sự kiện cuối là #%(head)s nhưng chuỗi kết thúc ở sự kiện #%(last)s: "
            "sự kiện cuối đã bị xóa hoặc sửa, hoặc đầu chuỗi đã bị sửa."
        )
        % {"head": head_id, "last": last_id},
    )
