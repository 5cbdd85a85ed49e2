"""Writing a report, or any small file made whole in memory (the reminder's calendar):
the target checked before any work, then written atomically (``files.write_atomic``), so
the file is the whole new one or what was there before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voicecoach.errors import ReportError, UnusableFileError
from voicecoach.files import check_target, write_atomic, write_problem
from voicecoach.report.html import render_html
from voicecoach.report.model import Report
from voicecoach.report.table import render_csv

FORMATS: dict[str, Callable[[Report], str]] = {
    ".html": render_html,
    ".htm": render_html,
    ".csv": render_csv,
}


def report_format(path: Path) -> Callable[[Report], str]:
    """What writes a report to ``path``, by its ending; a ReportError for another."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        ending = f"'{path.suffix}'" if path.suffix else "no ending"
        raise ReportError(
            f"{path}: cannot write a report with {ending}; name the file ending in .html "
            "(a page to read or print) or .csv (a spreadsheet)"
        )
    return found


def check_output(path: Path) -> None:
    """Refuse, before any work, a path no file can be written to."""
    try:
        check_target(path)
    except UnusableFileError as err:
        if err.reason == "is a folder":
            raise ReportError(f"{path} is a folder; give a file name inside it") from None
        raise ReportError(str(err)) from None
    folder = path.parent
    if not folder.exists():
        raise ReportError(f"{path}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise ReportError(f"{path}: {folder} is not a folder")


def write_output(path: Path, text: str) -> None:
    """``text`` as UTF-8 into ``path``, whole or not at all; a ReportError saying why not."""
    check_output(path)
    try:
        write_atomic(path, text.encode("utf-8"))
    except UnusableFileError as err:
        raise ReportError(str(err)) from None
    except OSError as err:
        raise ReportError(write_problem(path, err)) from None


def write_report(report: Report, path: Path) -> None:
    write_output(path, report_format(path)(report))
