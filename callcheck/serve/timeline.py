"""The call timeline of the web app: the one shared with the static reports (:mod:`callcheck.report.timeline`)."""

from callcheck.report.timeline import timeline_svg

__all__ = ["timeline_svg"]
