import io
import time
import warnings
import weakref

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.signals import connection_created
from django.test import override_settings
from django.utils import translation

from .factories import District

# --- the rows data migrations load, after a transactional test ------------------------------
# A transactional test (the browser tests, the PostgreSQL concurrency tests) ends with a flush
# that empties every table, the rows data migrations loaded included: subjects and
# curricula, content topics, e-service procedures, IoT rules, the audit chain head.
# pytest-django runs those tests after the others, but with several test processes
# (pytest-xdist hands out whole files, the largest first) a process can take a file of them
# before another file, and the order among them changes. So they are put back, with their
# primary keys, before the next test: every test starts from the migrated database. Content
# types and permissions are left to the flush, which makes them again (post_migrate).

_MIGRATION_ROWS = pytest.StashKey[str]()
_FLUSHED = pytest.StashKey[bool]()
_NOT_KEPT = {("contenttypes", "contenttype"), ("auth", "permission")}


def _migration_rows() -> str:
    objects = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or (meta.app_label, meta.model_name) in _NOT_KEPT:
            continue
        objects.extend(model._base_manager.order_by("pk"))
    return serializers.serialize("json", objects)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    with django_db_blocker.unblock():
        request.config.stash[_MIGRATION_ROWS] = _migration_rows()
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            _wait_for_other_sessions()


# Every database connection the test process opens, to close what is left before the
# PostgreSQL test database is dropped (see _wait_for_other_sessions).
_OPENED: weakref.WeakSet = weakref.WeakSet()


def _track_connection(sender, connection, **kwargs) -> None:
    _OPENED.add(connection)


connection_created.connect(_track_connection, weak=False)


def _wait_for_other_sessions(timeout: float = 5.0) -> None:
    """Before the test database is dropped, close every other connection the tests opened,
    then wait for their server sessions to end; name any that stays. Django keeps one
    connection per thread *and per context*: test code run after Playwright's sync API has
    started runs in another context (greenlets) and opens a second connection in the main
    thread, which nothing closes; a test thread's connection lives until its object is
    collected. Either kept the drop from working ("is being accessed by other users")."""
    current = connections[DEFAULT_DB_ALIAS]
    for wrapper in list(_OPENED):
        raw = wrapper.connection
        if wrapper is not current and raw is not None and not raw.closed:
            raw.close()  # the raw connection: Django's close() checks the opening thread
    deadline = time.monotonic() + timeout
    with connection.cursor() as c:
        while True:
            c.execute(
                "SELECT pid, state, left(query, 120) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = c.fetchall()
            if not others or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    if others:
        warnings.warn(f"sessions left on the test database: {others}", stacklevel=1)


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's, started after the test database exists so that it stops before the
    database is dropped: a test process whose first test is a browser test would otherwise
    drop the database while the server's thread still holds a connection to it (what its
    request threads leave open is closed with the rest, `_wait_for_other_sessions`)."""
    return live_server


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    config = item.config
    if config.stash.get(_FLUSHED, False):
        from pytest_django.plugin import blocking_manager_key  # noqa: PLC0415

        with config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(config.stash[_MIGRATION_ROWS])
        config.stash[_FLUSHED] = False
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if _transactional(item):
            item.config.stash[_FLUSHED] = True


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 costs ~0.4 s per user on purpose; tests that are not about passwords use MD5.
    A test marked `real_hashers` keeps the production setting."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def district(db):
    return District.fresh()


@pytest.fixture(autouse=True)
def _vietnamese(request):
    """Each test starts in Vietnamese: a request in English leaves the thread's language
    activated (LocaleMiddleware does not reset it), which would leak into the next test."""
    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture(scope="module")
def demo_var_dir(tmp_path_factory):
    """A module's VAR_DIR: `edudx demo` issues its certificate authority into VAR_DIR/pki."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup, django_db_blocker, demo_var_dir):
    """`edudx demo --scale tiny`, built once for the module that asks for it and rolled back
    after the module's last test; each test still runs in its own savepoint, so what a test
    writes is gone before the next. Returns what the command printed.

    The data stays for the rest of the module once built: use it in modules whose every
    database test starts from the demo."""
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=demo_var_dir, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("demo", "--scale", "tiny", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
