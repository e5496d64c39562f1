"""Reading values a page's query string or form hands over as text."""


def int_param(value) -> int | None:
    """`value` as an int, or None when it is missing, empty or not a whole number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
