"""Monitoring's slot for T11 (facilities and equipment managed by digital records),
registered with monitoring's indicator registry. Per school, from its asset register (as
`assets.selectors.register_counts` for the report's school year, 1/9 to 31/8):

* denominator: items on the register during the school year — in use by its last day (or
  with no date) and not disposed by then;
* numerator: those whose record is complete (category and tag, a room or a location, the
  date they came into use, the original value) **and** that were found in a closed
  stock-take (kiểm kê) dated in the school year.

A school with no item on its register is missing (no pair)."""

from edudx.assets.selectors import register_counts
from edudx.monitoring.indicators import QueryContext, indicator


@indicator("T11")
def t11(ctx: QueryContext) -> dict:
    counts = register_counts(ctx.school_ids, start=ctx.start, end=ctx.end)
    return {sid: (c["recorded"], c["items"]) for sid, c in counts.items() if c["items"]}
