"""Reading a CSV export without losing a row.

Every data line ends up in exactly one place: a parsed row (with its line number), or a ragged
row (wrong number of fields) that the importer quarantines. Blank lines are not rows. A file that
cannot be read at all (empty, not UTF-8, header without the expected columns, truncated in the
middle of its last row) raises an ``UnreadableFileError`` naming the file and the line, before
anything is written.

The fast path hands the well-formed lines to Polars' CSV parser; only files with quoted fields
that span lines take the slower path through the standard library's csv module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from forcesight.errors import MissingColumnsError, UnreadableFileError

LINE = "source_line"


@dataclass(frozen=True)
class RaggedRow:
    """A data line whose number of fields differs from the header's."""

    line: int
    fields: int
    text: str


@dataclass
class CsvTable:
    """A CSV file read as text columns: ``frame`` has one String column per header field plus
    ``source_line`` (1-based line number in the file; the header is line 1)."""

    path: Path
    header: list[str]
    frame: pl.DataFrame
    ragged: list[RaggedRow] = field(default_factory=list)
    blank_lines: int = 0

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.ragged)


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 text of ``raw`` (a byte-order mark is dropped), or an error naming the line.
    A NUL byte is refused like any byte that is not UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        # Valid UTF-8, but no text export holds it and PostgreSQL cannot store it in text.
        raise UnreadableFileError(
            str(path),
            "holds a NUL byte (0x00), so it is not a text CSV (a UTF-16 or binary file?); "
            "save the export as UTF-8 CSV",
            line=raw[:nul].count(b"\n") + 1,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise UnreadableFileError(
            str(path),
            f"is not UTF-8 text (byte 0x{bad}); save the export as UTF-8 CSV",
            line=line,
        ) from None


def _parse_header(path: Path, first_line: str, *, allow_repeats: bool = False) -> list[str]:
    header = next(csv.reader([first_line]))
    header = [h.strip() for h in header]
    if allow_repeats:
        return header
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            raise UnreadableFileError(str(path), f"the header names column {name!r} twice", 1)
        seen.add(name)
    return header


def read_csv_table(
    path: Path,
    expected: Sequence[str],
    *,
    raw: bytes | None = None,
    skip_lines: int = 0,
    names: Sequence[str] | None = None,
    _exact: Sequence[str] | None = None,
) -> CsvTable:
    """Read ``path`` as text; ``expected`` are the columns the header must contain.

    ``skip_lines`` skips a preamble (title rows) before the header; line numbers still count
    from the top of the file. ``names``, for formats whose header repeats a name, renames the
    columns by position after checking that the header is exactly ``expected``.
    """
    if names is not None:
        table = read_csv_table(
            path, [], raw=raw, skip_lines=skip_lines, names=None, _exact=expected
        )
        table.frame.columns = [*names, LINE]
        table.header = list(names)
        return table
    data = path.read_bytes() if raw is None else raw
    text = decode(path, data)
    if skip_lines == 0 and _exact is None:
        fast = _read_fast(path, data, expected)
        if fast is not None:
            return fast
    if not text.strip():
        raise UnreadableFileError(str(path), "the file is empty", line=1, expected=expected)
    lines = text.split("\n")
    ends_with_newline = lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    if len(lines) <= skip_lines:
        raise UnreadableFileError(str(path), "the file ends before its header", line=len(lines))
    header_line = skip_lines + 1
    header = _parse_header(path, lines[skip_lines], allow_repeats=_exact is not None)
    if _exact is not None and header != list(_exact):
        raise UnreadableFileError(
            str(path),
            f"the header is not the expected one (found: {', '.join(header)})",
            line=header_line,
            expected=_exact,
        )
    if _exact is not None:
        header = [f"_c{i}" for i in range(len(header))]  # renamed by the caller
    missing = [c for c in expected if c not in header]
    if missing:
        raise MissingColumnsError(str(path), missing, header, expected)
    body = pl.DataFrame(
        {
            "text": lines[skip_lines + 1 :],
            LINE: pl.int_range(header_line + 1, len(lines) + 1, eager=True, dtype=pl.Int64),
        }
    )
    if (
        body.height
        and body.select(pl.col("text").str.count_matches('"', literal=True).sum()).item() % 2
    ):
        return _read_slow(path, text, header, skip_lines, ends_with_newline, expected)
    blank = body.filter(pl.col("text").str.strip_chars() == "")
    body = body.filter(pl.col("text").str.strip_chars() != "")
    quoted = body.filter(pl.col("text").str.contains('"', literal=True))
    if quoted.height and (quoted["text"].str.count_matches('"', literal=True) % 2 != 0).any():
        return _read_slow(path, text, header, skip_lines, ends_with_newline, expected)
    counts = body.select(
        (pl.col("text").str.count_matches(",", literal=True) + 1).alias("n"), pl.col(LINE)
    )
    n_fields = counts["n"].to_list()
    if quoted.height:
        # Commas inside quotes do not separate fields: count those lines exactly.
        index = {line: i for i, line in enumerate(body[LINE].to_list())}
        for line, line_text in zip(quoted[LINE].to_list(), quoted["text"].to_list(), strict=True):
            n_fields[index[line]] = len(next(csv.reader([line_text])))
    width = len(header)
    ok = pl.Series(n_fields) == width
    good = body.filter(ok)
    bad = body.filter(~ok)
    bad_counts = [n for n, fine in zip(n_fields, ok.to_list(), strict=True) if not fine]
    ragged = [
        RaggedRow(line, count, line_text)
        for line, line_text, count in zip(
            bad[LINE].to_list(), bad["text"].to_list(), bad_counts, strict=True
        )
    ]
    _refuse_truncated(path, ragged, len(lines), ends_with_newline, width, expected)
    frame = _parse_lines(good, header)
    if frame is None:
        return _read_slow(path, text, header, skip_lines, ends_with_newline, expected)
    return CsvTable(path, header, frame, ragged, blank.height)


def _read_fast(path: Path, data: bytes, expected: Sequence[str]) -> CsvTable | None:
    """Parse with Polars alone when the counts prove every line is one whole record: no blank
    lines, no line breaks inside values, and exactly one separator fewer than fields on every
    line. Returns None when the proof fails (the careful path then reads the file)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        frame = pl.read_csv(body, infer_schema=False, has_header=True, raise_if_empty=True)
    except (pl.exceptions.PolarsError, OSError):
        return None
    header = frame.columns
    width = len(header)
    end = body.find(b"\n")
    first_line = (body if end < 0 else body[:end]).decode("utf-8").rstrip("\r")
    if [h.strip() for h in next(csv.reader([first_line]))] != header:
        return None  # duplicate or padded names: the careful path explains
    if any(c not in header for c in expected):
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if frame.height + 1 != lines:
        return None  # blank lines or values spanning lines
    text_cells = [pl.col(c).str.count_matches(",", literal=True).fill_null(0).sum() for c in header]
    commas_in_values = int(frame.select(pl.sum_horizontal(text_cells)).item())
    commas_in_values += sum(h.count(",") for h in header)
    if body.count(b",") - commas_in_values != lines * (width - 1):
        return None  # some line has too few fields (too many makes Polars refuse)
    line_numbers = pl.int_range(2, frame.height + 2, eager=True, dtype=pl.Int64).alias(LINE)
    return CsvTable(path, header, frame.with_columns(line_numbers), [], 0)


def _refuse_truncated(
    path: Path,
    ragged: list[RaggedRow],
    last_line: int,
    ends_with_newline: bool,
    width: int,
    expected: Sequence[str],
) -> None:
    if (
        ragged
        and not ends_with_newline
        and ragged[-1].line == last_line
        and ragged[-1].fields < width
    ):
        raise UnreadableFileError(
            str(path),
            f"the file is truncated: its last line has {ragged[-1].fields} of {width} fields "
            "and no line ending",
            line=last_line,
            expected=expected,
        )


def _parse_lines(good: pl.DataFrame, header: list[str]) -> pl.DataFrame | None:
    names = [f"c{i}" for i in range(len(header))]
    if good.height == 0:
        frame = pl.DataFrame({n: [] for n in names}, schema=dict.fromkeys(names, pl.String))
    else:
        joined = "\n".join(good["text"].to_list()) + "\n"
        try:
            frame = pl.read_csv(
                io.StringIO(joined),
                has_header=False,
                new_columns=names,
                infer_schema=False,
            )
        except pl.exceptions.PolarsError:
            return None  # text after a closing quote ('""x', '"x"y'): the csv module reads it
        if frame.height != good.height:
            return None
    frame.columns = header
    return frame.with_columns(good[LINE])


def _read_slow(
    path: Path,
    text: str,
    header: list[str],
    skip_lines: int,
    ends_with_newline: bool,
    expected: Sequence[str],
) -> CsvTable:
    """Record-by-record reading for files with quoted fields that span lines."""
    stream = io.StringIO(text)
    for _ in range(skip_lines):
        stream.readline()
    reader = csv.reader(stream)
    next(reader)
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[RaggedRow] = []
    blank = 0
    start = skip_lines + 2
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                blank += 1
            elif len(record) == width:
                rows.append(record)
                lines.append(start)
            else:
                ragged.append(RaggedRow(start, len(record), ",".join(record)))
            start = reader.line_num + skip_lines + 1
    except csv.Error as exc:
        raise UnreadableFileError(str(path), f"is not valid CSV: {exc}", line=start) from None
    last_line = text.count("\n") + (0 if ends_with_newline else 1)
    _refuse_truncated(path, ragged, last_line, ends_with_newline, width, expected)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    frame = (
        pl.DataFrame(
            {name: list(col) for name, col in zip(header, columns, strict=True)},
            schema=dict.fromkeys(header, pl.String),
        )
        .with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
        .with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    )
    return CsvTable(path, header, frame, ragged, blank)
