"""statement_import pauses the cyclic garbage collector for its duration only: it is on
again after an import, whether the import succeeded or refused the file."""

import gc

import pytest

from edudx.core.errors import DomainErrors
from edudx.fees import services

pytestmark = pytest.mark.django_db


def test_collector_is_back_on_after_an_import(invoices, account, clerk):
    a1, _ = invoices
    csv = f"Ngày,Số tham chiếu,Diễn giải,Ghi có\n06/10/2025,FT1,{a1.reference},1930400\n"
    assert gc.isenabled()
    stmt = services.statement_import(
        actor=clerk, bank_account=account, file_name="s.csv", content=csv.encode()
    )
    assert (stmt.lines_matched, gc.isenabled()) == (1, True)
    bad = "Ngày,Số tham chiếu,Diễn giải,Ghi có\n06/10/2025,FT2,x,1.930.4OO\n"
    with pytest.raises(DomainErrors):
        services.statement_import(
            actor=clerk, bank_account=account, file_name="t.csv", content=bad.encode()
        )
    assert gc.isenabled()
