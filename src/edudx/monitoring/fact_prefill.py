"""Suggestions for a school's yearly-report facts from the platform's registers.

`FACT_SOURCES` maps a fact key to the register that knows it and the dotted name of its
slot, `(unit, day) -> (value, note) | None` with `day` the report's reference date
(`ReportTemplate.as_of`), as the DX pre-fill names its slots: the function lives in the
app that holds the data (monitoring depends on it, never the reverse) and a slot whose
module is missing gives no suggestion. Only facts a register really answers are listed:
the bandwidth and the fibre line are recorded nowhere on the platform.

A suggestion is shown next to the fact; in an editable draft whose fact has never been
saved it is also put in the input ("prefilled") — a fact the school saved empty on purpose
stays empty. Nothing is saved by it: the value the school saves and submits is what counts
(T22 reads the submitted reports)."""

from importlib import import_module

from .models import ReportStatus, YearlyReport
from .reports import report_facts

FACT_SOURCES: dict[str, tuple[str, str]] = {
    "computers_teaching": ("assets", "edudx.assets.fact_prefill.computers_teaching"),
}


def _slot(dotted: str):
    module, name = dotted.rsplit(".", 1)
    try:
        return getattr(import_module(module), name, None)
    except ModuleNotFoundError:
        return None


def suggestions(report: YearlyReport) -> dict[str, dict]:
    """{fact key: {"value": "32", "source": "assets", "note": "Theo sổ tài sản: 32 máy"}}
    for the report's facts a register answers on the report's reference date (the note in
    the active language). The caller has checked that the actor reads the report."""
    out = {}
    for fact in report_facts(report.unit, report.template):
        source, dotted = FACT_SOURCES.get(fact["key"], ("", ""))
        func = _slot(dotted) if dotted else None
        result = func(report.unit, report.template.as_of) if func else None
        if result is not None:
            value, note = result
            out[fact["key"]] = {"value": str(value), "source": source, "note": note}
    return out


def facts_form(report: YearlyReport, *, editable: bool) -> list[dict]:
    """The report's facts for its page: each with its saved `value` ("" when empty), its
    `suggestion` (or None) and `prefilled` — the suggestion put in the input because the
    report is an editable draft and the fact has never been saved (one saved empty, a
    value the school removed, is not filled in again)."""
    found = suggestions(report)
    draft = editable and report.status == ReportStatus.DRAFT
    out = []
    for fact in report_facts(report.unit, report.template):
        saved = report.facts.get(fact["key"])
        suggestion = found.get(fact["key"])
        prefilled = draft and fact["key"] not in report.facts and suggestion is not None
        value = suggestion["value"] if prefilled else (saved or "")
        out.append({**fact, "value": value, "suggestion": suggestion, "prefilled": prefilled})
    return out
