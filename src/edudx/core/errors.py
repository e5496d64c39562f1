"""One error shape for the whole platform: `{code, message, field, row}`.

Services raise `DomainError` (or `DomainErrors` for a batch); the API turns them into JSON,
pages into form messages, imports into an error table. Messages are gettext strings so the
reader gets Vietnamese by default and English when asked."""

from dataclasses import dataclass, field


@dataclass
class ErrorItem:
    code: str
    message: str
    field: str | None = None
    row: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "field": self.field,
            "row": self.row,
        }


class DomainError(Exception):
    """A rule was broken; nothing was written."""

    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, row: int | None = None):
        super().__init__(str(message))
        self.item = ErrorItem(code=code, message=message, field=field, row=row)

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def field(self) -> str | None:
        return self.item.field

    def as_dict(self) -> dict:
        return self.item.as_dict()


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class RateLimited(DomainError):
    status = 429


class DomainErrors(DomainError):
    """Several errors at once (an import with many bad rows); the first is the headline."""

    def __init__(self, items: list[ErrorItem]):
        first = items[0]
        super().__init__(first.code, first.message, field=first.field, row=first.row)
        self.items = items

    def as_list(self) -> list[dict]:
        return [i.as_dict() for i in self.items]


@dataclass
class ErrorCollector:
    """Gathers validation errors for one row or one form, then raises them together."""

    row: int | None = None
    items: list[ErrorItem] = field(default_factory=list)

    def add(self, code: str, message, field_name: str | None = None) -> None:
        self.items.append(ErrorItem(code=code, message=message, field=field_name, row=self.row))

    def capture(self, exc: DomainError) -> None:
        items = exc.items if isinstance(exc, DomainErrors) else [exc.item]
        for item in items:
            self.items.append(
                ErrorItem(
                    item.code, item.message, item.field, self.row if item.row is None else item.row
                )
            )

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainErrors(self.items)


def field_messages(exc: DomainError, labels, names=None) -> dict[str, list[str]]:
    """A form's errors by field (`"field-row"` for a row's error, `""` for the form), each
    message led by the field's label from `labels` so it names what to correct:
    "Tiêu đề: Thiếu tiêu đề." — unless it already starts with it ("Diện tích là số m²…",
    not "Diện tích: Diện tích là số m²…"). `names` maps a service's field to the form's
    where they differ (`{"category_id": "category"}`); `labels` are by the service's."""
    items = exc.items if isinstance(exc, DomainErrors) else [exc.item]
    out: dict[str, list[str]] = {}
    for i in items:
        label, message = str(labels.get(i.field or "", "")), str(i.message)
        field = (names or {}).get(i.field, i.field)
        key = f"{field}-{i.row}" if field and i.row else field or ""
        led = label and not message.startswith(label)
        out.setdefault(key, []).append(f"{label}: {message}" if led else message)
    return out


def form_errors(
    exc: DomainError, form: str, labels, names=None
) -> tuple[dict[str, list[str]], str]:
    """A refused form's errors on a page of several forms (`field_messages`, `names`
    renaming a service's fields to the form's), keyed "<form>_<field>" so each shows under
    its own form's field ("<form>_" for the form as a whole), and the key of the first
    field named — the one to focus."""
    by_field = field_messages(exc, labels, names)
    first = next((f"{form}_{k}" for k in by_field if k), "")
    return {f"{form}_{k}": v for k, v in by_field.items()}, first


def first_invalid(errors, order) -> str:
    """The first of `order` (a form's field names, top to bottom) that has an error: the
    field a refused form focuses."""
    return next((name for name in order if errors.get(name)), "")
