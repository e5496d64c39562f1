"""/api/v1/notifications: the caller's own inbox, mark-read, channel preferences and Web Push
subscriptions. Every route reads or writes only the acting user's rows."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from edudx.accounts.tokens import actor_key
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, paginate

from . import channels, selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    page: int
    page_size: int
    unread: int


class InboxFilters(PageParams):
    unread: bool = Field(False, description="Only notifications not read yet.")


def render(n) -> dict:
    return {
        "id": n.pk,
        "event": n.event,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, **ERRORS},
    summary="The caller's notification inbox, newest first",
)
def list_notifications(request, filters: Query[InboxFilters]):
    body = paginate(selectors.inbox(request.user, unread=filters.unread), filters, render)
    body["unread"] = selectors.unread_count(request.user)
    return body


class ReadIn(Schema):
    ids: list[int] | None = Field(
        None, description="Notifications to mark read; omitted: every unread one."
    )


class ReadOut(Schema):
    marked: int
    unread: int


@router.post(
    "/notifications/read",
    response={200: ReadOut, **ERRORS},
    summary="Mark the caller's notifications read (some, or all)",
    openapi_extra=IDEMPOTENT,
)
def mark_read(request, payload: ReadIn):
    def run() -> dict:
        n = services.mark_read(actor=request.user, notification_ids=payload.ids)
        return {"marked": n, "unread": selectors.unread_count(request.user)}

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)


class PreferenceIO(Schema):
    email: bool
    webpush: bool
    sms: bool
    zalo: bool


@router.get(
    "/notifications/preferences",
    response={200: PreferenceIO, **ERRORS},
    summary="The caller's channels besides the in-app inbox",
)
def get_preferences(request):
    p = channels.preference_of(request.user)
    return {"email": p.email, "webpush": p.webpush, "sms": p.sms, "zalo": p.zalo}


@router.put(
    "/notifications/preferences",
    response={200: PreferenceIO, **ERRORS},
    summary="Set the caller's channels",
)
def put_preferences(request, payload: PreferenceIO):
    p = services.preference_update(actor=request.user, **payload.dict())
    return {"email": p.email, "webpush": p.webpush, "sms": p.sms, "zalo": p.zalo}


class PushKeys(Schema):
    p256dh: str = Field(..., max_length=200)
    auth: str = Field(..., max_length=100)


class PushSubscriptionIn(Schema):
    endpoint: str = Field(..., max_length=500)
    keys: PushKeys


class PushOut(Schema):
    endpoint: str


@router.post(
    "/notifications/push-subscriptions",
    response={201: PushOut, **ERRORS},
    summary="Register a browser's Web Push subscription (PushSubscription.toJSON())",
    openapi_extra=IDEMPOTENT,
)
def push_subscribe(request, payload: PushSubscriptionIn):
    def run() -> dict:
        sub = services.push_subscribe(
            actor=request.user,
            endpoint=payload.endpoint,
            p256dh=payload.keys.p256dh,
            auth=payload.keys.auth,
        )
        return {"endpoint": sub.endpoint}

    return idempotent(request, actor_key=actor_key(request), run=run)
