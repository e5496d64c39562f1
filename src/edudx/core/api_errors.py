"""The API's one error shape, `{code, message, field, row}` (plus `errors` for a batch).

Every failure a client can see goes through the handlers installed here: domain errors from
services and selectors, ninja's request validation, 404s and authentication failures.
Messages are gettext strings with Vietnamese msgids; LocaleMiddleware picks English for
`Accept-Language: en`."""

from contextlib import contextmanager

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import DomainError, DomainErrors


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class ErrorItemOut(Schema):
    code: str
    message: str
    field: str | None = None
    row: int | None = None


class ErrorOut(ErrorItemOut):
    errors: list[ErrorItemOut] | None = None


# Pydantic error types → (code suffix, Vietnamese message). Anything else is "invalid".
def _validation_message(err: dict) -> tuple[str, str]:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required", _("Trường này là bắt buộc.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "integer", _("Giá trị phải là số nguyên.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return "number", _("Giá trị phải là số.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return "date", _("Ngày không hợp lệ; dùng định dạng yyyy-mm-dd.")
    if kind in {"bool_parsing", "bool_type"}:
        return "boolean", _("Giá trị phải là true hoặc false.")
    if kind in {"string_type"}:
        return "string", _("Giá trị phải là chuỗi ký tự.")
    if kind == "string_too_long":
        return "too_long", _("Quá dài: tối đa %(n)s ký tự.") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return "too_short", _("Quá ngắn: tối thiểu %(n)s ký tự.") % {"n": ctx.get("min_length")}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return "too_large", _("Giá trị không được lớn hơn %(n)s.") % {"n": limit}
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return "too_small", _("Giá trị không được nhỏ hơn %(n)s.") % {"n": limit}
    if kind in {"literal_error", "enum"}:
        return "choice", _("Giá trị không hợp lệ; chỉ chấp nhận: %(v)s.") % {
            "v": ctx.get("expected", "")
        }
    if kind in {"json_invalid", "json_type", "model_attributes_type", "dict_type"}:
        return "json", _("Nội dung gửi lên không phải JSON hợp lệ.")
    return "invalid", _("Giá trị không hợp lệ.")


def _field_name(loc) -> str | None:
    """`("body", "payload", "full_name")` → "full_name"; `("query", "page_size")` →
    "page_size". The source and the body parameter's name mean nothing to a client."""
    parts = list(loc or ())
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)
    return ".".join(str(p) for p in parts) or None


def _respond(api: NinjaAPI, request, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


def _translate(message) -> str:
    """Messages are normally translated where they are raised; a plain Vietnamese string
    that was not (e.g. a literal) still gets its catalogue entry here."""
    text = str(message)
    return _(text) if text else text


def domain_error_body(exc: DomainError) -> dict:
    body = exc.as_dict()
    body["message"] = _translate(body["message"])
    if isinstance(exc, DomainErrors):
        items = exc.as_list()
        for item in items:
            item["message"] = _translate(item["message"])
        body["errors"] = items
    return body


@contextmanager
def api_fields(mapping: dict[str, str]):
    """Rename the `field` of errors raised inside from a service's argument names to the
    API's (`school` → `school_id`), so an error names what the client sent."""
    try:
        yield
    except DomainError as exc:
        for item in [exc.item, *getattr(exc, "items", ())]:
            item.field = mapping.get(item.field, item.field)
        raise


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api` (later registrations win over ninja's defaults)."""

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = _respond(api, request, exc.status, domain_error_body(exc))
        if exc.status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = []
        for err in exc.errors:
            suffix, message = _validation_message(err)
            items.append(
                {
                    "code": f"validation.{suffix}",
                    "message": message,
                    "field": _field_name(err.get("loc")),
                    "row": None,
                }
            )
        if not items:  # pragma: no cover — ninja always gives at least one
            items.append(
                {"code": "validation.invalid", "message": _("Giá trị không hợp lệ."), "field": None}
            )
        body = {**items[0], "errors": items}
        return _respond(api, request, 422, body)

    def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # A whole number beyond what a database integer holds (20 digits as an id or a
        # filter): SQLite cannot even bind it. Refused like any value out of range.
        body = {
            "code": "validation.number_too_large",
            "message": _("Số quá lớn."),
            "field": None,
            "row": None,
        }
        return _respond(api, request, 422, {**body, "errors": [body]})

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        body = {"code": "not_found", "message": _("Không tìm thấy."), "field": None, "row": None}
        return _respond(api, request, 404, body)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return on_domain_error(
            request,
            Unauthorized(
                "auth.required",
                _("Cần đăng nhập hoặc dùng mã truy cập API hợp lệ."),
            ),
        )

    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return on_domain_error(
            request, Forbidden("auth.forbidden", _("Bạn không có quyền thực hiện thao tác này."))
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:  # ninja could not parse the body
            body = {
                "code": "request.malformed",
                "message": _("Nội dung gửi lên không phải JSON hợp lệ."),
                "field": None,
                "row": None,
            }
            return _respond(api, request, 400, body)
        body = {
            "code": f"http.{status}",
            "message": _("Yêu cầu không hợp lệ (mã %(status)s).") % {"status": status},
            "field": None,
            "row": None,
        }
        return _respond(api, request, status, body)

    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(OverflowError, on_overflow)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
