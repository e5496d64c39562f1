"""Question interchange: GIFT and Moodle XML (import and export), QTI 2.1 items (import).

Every parser returns a `ParseResult`: the questions it understood (in our kinds and data
shapes, see grading.py), the ones whose type it cannot carry (`unsupported`, reported by
name, never silently dropped) and the images it found (`assets`, keyed by SHA-256 and
referenced from the text as ![alt](asset:<sha>)). A malformed file raises FormatError
naming the line."""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError


class FormatError(DomainError):
    """A file that cannot be read; `row` is the line (or the question number)."""


def syntax_error(line: int | None, message: str) -> FormatError:
    if line is None:
        return FormatError("exams.import.syntax", message, field="file")
    return FormatError(
        "exams.import.syntax",
        _("Dòng %(line)s: %(msg)s") % {"line": line, "msg": message},
        field="file",
        row=line,
    )


@dataclass
class ParsedQuestion:
    row: int
    kind: str
    stem: str
    data: dict
    name: str = ""
    points: Decimal = Decimal(1)
    feedback: str = ""
    level: str = ""
    topic_code: str = ""
    outcome_code: str = ""

    def content(self) -> tuple:
        """What a round trip must keep (the row and the format's extras aside)."""
        return (self.kind, self.name, self.stem, self.data, self.points, self.feedback)


@dataclass
class Unsupported:
    row: int
    name: str
    qtype: str


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    assets: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # sha: name, mime, data

    def add_asset(self, name: str, mime: str, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.assets.setdefault(sha, (name, mime, data))
        return sha


@dataclass
class ExportResult:
    text: str
    unsupported: list[Unsupported] = field(default_factory=list)


MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
}


def mime_of(name: str) -> str:
    return MIME.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def fraction_text(value) -> str:
    """A fraction as a percentage the formats write: 1 → "100", 0.5 → "50"."""
    pct = (Decimal(str(value)) * 100).normalize()
    text = format(pct, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_fraction(text: str) -> float:
    return float(Decimal(text.strip()) / 100)


def tidy_fraction(value: float) -> float:
    """Percentages like 33.33333 come back as 0.3333333: keep 7 decimals, as Moodle does."""
    return round(float(value), 7)
