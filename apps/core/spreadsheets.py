"""Cells bound for a spreadsheet: what members typed must never run as a formula."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ (or a tab / carriage return before them) as
    formulas; a leading apostrophe makes them text. Non-text values pass through."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value
