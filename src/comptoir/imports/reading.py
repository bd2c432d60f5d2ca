"""Reading the CSV files merchants bring: encoding, delimiter, line numbers, cell values.

Everything here streams: a file is read through a text stream a few kilobytes at a time,
so a million-row export needs no more memory than a ten-row one. Values are parsed
strictly: a number a spreadsheet has mangled is reported, never guessed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import IO

from django.utils.translation import gettext as _

from comptoir.imports.records import Issue

# A description of 10 MB is real (pasted images in base64); beyond 32 MB it is not a cell.
MAX_CELL_CHARS = 32 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARS)
SAMPLE_BYTES = 64 * 1024
# What a spreadsheet treats as the start of a formula; exports neutralise such cells.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileError(Exception):
    """The file as a whole cannot be read (not text, no header...)."""


class _Replay(io.RawIOBase):
    """The bytes already read to sniff the file, then the rest of the file."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without a BOM) when the first bytes decode as such, else Windows-1252,
    which is what Excel on a French Windows writes and which decodes any byte."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(first_line: str) -> str:
    """The separator the header line uses most: comma, semicolon or tab."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def open_text(stream: IO[bytes]) -> tuple[io.TextIOWrapper, str, str]:
    """A text stream over ``stream`` with its encoding and delimiter detected."""
    head = stream.read(SAMPLE_BYTES)
    if isinstance(head, str):
        raise FileError(_("The file must be opened in binary mode."))
    if b"\x00" in head[:4096]:
        raise FileError(_("This is not a CSV file: it contains binary data."))
    encoding = detect_encoding(head)
    first_line = head.decode(encoding, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    delimiter = detect_delimiter(first_line)
    text = io.TextIOWrapper(
        io.BufferedReader(_Replay(head, stream), buffer_size=SAMPLE_BYTES),
        encoding=encoding,
        newline="",
        # A byte that is not UTF-8 further down is kept as a marker, so that the row and
        # column holding it are reported instead of the whole file failing.
        errors="surrogateescape",
    )
    return text, encoding, delimiter


class Row:
    """One record of the file: its first physical line number and its cells by column.

    The cells stay the list the csv module made; columns are found through one index map
    shared by every row of the file, so a million rows build no million dicts."""

    __slots__ = ("line", "values", "index", "header", "extra", "problems")

    def __init__(
        self,
        line: int,
        values: list[str],
        index: dict[str, int],
        header: list[str],
        extra: list[str] | None = None,
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        self.line = line
        self.values = values
        self.index = index
        self.header = header
        self.extra = extra or []
        self.problems = problems or []  # (column, message)

    @property
    def cells(self) -> dict[str, str]:
        return dict(zip(self.header, self.values, strict=False))

    def raw(self, column: str) -> str:
        """The cell as written ("" when the file has no such column)."""
        position = self.index.get(column)
        if position is None:
            return ""
        if position < len(self.values):
            return self.values[position]
        # A short row, or a duplicated column name: the dict rules (last wins) apply.
        return self.cells.get(column, "")

    def has(self, column: str) -> bool:
        """Whether this row reaches ``column`` (a short row may stop before it)."""
        position = self.index.get(column)
        if position is None:
            return False
        return position < len(self.values) or column in self.cells

    def get(self, column: str) -> str:
        return self.raw(column).strip()


@dataclass
class CsvFile:
    header: list[str]
    rows: Iterator[Row]
    encoding: str
    delimiter: str

    def picker(self, columns: tuple[str, ...]) -> Callable[[Row], list[str]]:
        """A function giving the stripped cells of ``columns`` of a row at once: a parser
        reading twenty cells per row through ``Row.get`` spent most of its time on calls."""
        index = {name: position for position, name in enumerate(self.header)}
        positions = [index.get(column) for column in columns]
        width = max((p for p in positions if p is not None), default=-1) + 1
        if len(index) != len(self.header):  # a duplicated column name: Row.get's rules

            def pick_each(row: Row) -> list[str]:
                return [row.get(column) for column in columns]

            return pick_each
        # With every column in the file (a platform's own export), the cells are taken and
        # stripped in C, without a Python step per cell.
        cells = None if None in positions or len(positions) < 2 else itemgetter(*positions)

        def pick(row: Row) -> list[str]:
            values = row.values
            if len(values) < width:
                return [row.get(column) for column in columns]
            if cells is not None:
                return list(map(str.strip, cells(values)))
            return [values[p].strip() if p is not None else "" for p in positions]

        return pick


def read_csv(stream: IO[bytes], *, unneutralise: bool = False) -> CsvFile:
    """Open ``stream`` as CSV: the header, then one Row per record, streamed."""
    text, encoding, delimiter = open_text(stream)
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileError(_("The header line cannot be read: %(error)s") % {"error": exc}) from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    if not any(header):
        raise FileError(_("The first line must name the columns; it is empty."))

    index = {name: position for position, name in enumerate(header)}
    width = len(header)

    def rows() -> Iterator[Row]:
        last_line = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise FileError(
                    _("Line %(line)s is not valid %(encoding)s text.")
                    % {"line": last_line + 1, "encoding": encoding}
                ) from None
            except csv.Error as exc:
                raise FileError(
                    _("Line %(line)s cannot be read: %(error)s")
                    % {"line": last_line + 1, "error": exc}
                ) from None
            line = last_line + 1
            last_line = reader.line_num
            joined = "".join(values)
            if not joined.strip():
                continue
            if "\x00" in joined:
                # A NUL byte means nothing in a CSV cell and PostgreSQL cannot store one.
                values = [value.replace("\x00", "") for value in values]
            if unneutralise:
                values = [restore_cell(value) for value in values]
            problems = None
            if not joined.isascii():
                try:
                    joined.encode("utf-8")
                except UnicodeEncodeError:
                    values, problems = _undecodable(header, values, encoding)
            # Trailing empty cells beyond the header (PrestaShop writes one) are no data.
            extra = (
                [value for value in values[width:] if value.strip()]
                if len(values) > width
                else None
            )
            yield Row(line, values, index, header, extra, problems)

    return CsvFile(header=header, rows=rows(), encoding=encoding, delimiter=delimiter)


def _undecodable(
    header: list[str], values: list[str], encoding: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """Cells holding bytes that are not ``encoding``: replaced by U+FFFD and reported."""
    cleaned, problems = [], []
    for index, value in enumerate(values):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            column = header[index] if index < len(header) else str(index + 1)
            message = _("This cell is not valid %(encoding)s text.") % {"encoding": encoding}
            problems.append((column, message))
        cleaned.append(value)
    return cleaned, problems


# --- cells written by our exports -----------------------------------------------------------


def neutralise_cell(value: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe.

    A cell that already starts with an apostrophe gets one more, so that
    :func:`restore_cell` gives back exactly the original text."""
    if value.startswith(FORMULA_STARTS) or value.startswith("'"):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    if value.startswith("'") and len(value) > 1 and value[1:].startswith((*FORMULA_STARTS, "'")):
        return value[1:]
    return value


# --- values -----------------------------------------------------------------------------------

SCIENTIFIC_RE = re.compile(r"^[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+$")
DECIMAL_RE = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
# Prices have 12 digits, two after the point; weights in kg are far below this.
MAX_DECIMAL = Decimal(10) ** 10
DECIMAL_COMMA_RE = re.compile(r"^-?\d+,\d{1,2}$")


class ValueProblem(Exception):
    """A cell that cannot be read; the message says why, in the merchant's words."""


# What nearly every cell of a price column holds: read at once, the checks below can only
# agree (at most 10 digits before the point keeps it under MAX_DECIMAL).
PLAIN_DECIMAL_RE = re.compile(r"-?\d{1,10}(?:\.\d{1,12})?", re.ASCII)
PLAIN_INT_RE = re.compile(r"-?\d{1,9}", re.ASCII)


def parse_decimal(raw: str, *, warnings: list[str] | None = None) -> Decimal | None:
    """A price or amount. "12.50" is read; "12,50" (a French decimal comma) is read as 12.50
    and reported; "1,234" is refused because it may mean 1234 or 1.234."""
    if not raw:
        return None
    if PLAIN_DECIMAL_RE.fullmatch(raw):
        return Decimal(raw)
    value = raw.strip().replace("\u00a0", "").replace(" ", "")
    for symbol in ("€", "$", "£", "EUR"):
        value = value.replace(symbol, "")
    if not value:
        return None
    if SCIENTIFIC_RE.match(value):
        raise ValueProblem(
            _("%(value)s was turned into scientific notation by a spreadsheet.") % {"value": raw}
        )
    if DECIMAL_COMMA_RE.match(value):
        if warnings is not None:
            warnings.append(
                _("%(value)s uses a decimal comma; it was read as %(read)s.")
                % {"value": raw, "read": value.replace(",", ".")}
            )
        value = value.replace(",", ".")
    if not DECIMAL_RE.match(value):
        raise ValueProblem(_("%(value)s is not a number.") % {"value": raw})
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueProblem(_("%(value)s is not a number.") % {"value": raw}) from None
    if abs(number) >= MAX_DECIMAL:
        raise ValueProblem(_("%(value)s is too large.") % {"value": raw})
    return number


def parse_int(raw: str) -> int | None:
    if PLAIN_INT_RE.fullmatch(raw):
        return int(raw)
    value = raw.strip()
    if not value:
        return None
    if SCIENTIFIC_RE.match(value):
        raise ValueProblem(
            _("%(value)s was turned into scientific notation by a spreadsheet.") % {"value": raw}
        )
    # "12.0" is what a spreadsheet writes for 12; "12.5" is no quantity.
    if re.match(r"^-?\d+(?:\.0+)?$", value):
        number = int(value.split(".")[0])
        if abs(number) > 2_000_000_000:
            raise ValueProblem(_("%(value)s is too large.") % {"value": raw})
        return number
    raise ValueProblem(_("%(value)s is not a whole number.") % {"value": raw})


TRUE_WORDS = {"1", "true", "yes", "y", "oui", "vrai", "active", "published", "visible"}
FALSE_WORDS = {"0", "false", "no", "n", "non", "faux", "draft", "archived", "hidden", "-1"}


def parse_bool(raw: str, *, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueProblem(_("%(value)s is neither yes nor no.") % {"value": raw})


def parse_barcode(raw: str) -> str:
    """Digits of a GTIN/EAN. A spreadsheet writes 465000000001 as 4.65E+11: the digits are
    lost and cannot be recovered, so the value is refused with that explanation."""
    value = raw.strip().replace(" ", "")
    if value.startswith("'"):
        value = value[1:]
    if not value:
        return ""
    if SCIENTIFIC_RE.match(value):
        raise ValueProblem(
            _(
                "The barcode %(value)s was rounded by a spreadsheet (scientific notation); "
                "its digits are lost. Export it again with the column formatted as text."
            )
            % {"value": raw}
        )
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    return value


def split_list(raw: str, separator: str = ",") -> list[str]:
    return [item.strip() for item in raw.split(separator) if item.strip()]


def issue(row: Row, column: str, message: str, *, warning: bool = False) -> Issue:
    return Issue(line=row.line, column=column, message=message, warning=warning)
