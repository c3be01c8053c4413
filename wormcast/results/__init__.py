"""Results of runs: declared columns, step series, the Result object."""

from .columns import Column, Kind, slug
from .result import Result
from .series import StepSeries

__all__ = ["Column", "Kind", "Result", "StepSeries", "slug"]
