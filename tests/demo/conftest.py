import pytest


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings, tmp_path):
    """`edudx demo` issues a demo certificate authority into VAR_DIR/pki: keep it per test."""
    settings.VAR_DIR = tmp_path
