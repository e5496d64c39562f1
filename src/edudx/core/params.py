"""Reading values a page's query string or form hands over as text."""

# What a database integer (a bigint id, the widest column here) can hold: a larger number
# typed into a form or a URL is no id or count of anything, and handed to SQLite it raises
# OverflowError (PostgreSQL: "out of range"), a server error instead of "not found".
_INT_LIMIT = 2**63


def int_param(value) -> int | None:
    """`value` as an int, or None when it is missing, empty, not a whole number or beyond
    what a database integer holds."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -_INT_LIMIT < number < _INT_LIMIT else None
