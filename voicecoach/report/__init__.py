"""What the history shows a person and their physiotherapist: ``build_report`` computes
the figures (``model``), drawn as inline SVG (``svg``) in one offline HTML page (``html``),
or written as CSV (``table``) or a few lines of text (``summary``); ``output`` writes
either file atomically, by its ending."""

from voicecoach.report.model import DEFAULT_WEEKS, MAX_WEEKS, Report, build_report, make_report
from voicecoach.report.output import write_report
from voicecoach.report.summary import summary_lines

__all__ = [
    "DEFAULT_WEEKS",
    "MAX_WEEKS",
    "Report",
    "build_report",
    "make_report",
    "summary_lines",
    "write_report",
]
