"""Static site generator: Markdown pages with SQL blocks, Jinja and SVG chart components.

See site/COMPONENTS.md for how to write pages.
"""

from .build import SiteBuildReport, build_site
from .errors import SiteBuildError

__all__ = ["SiteBuildError", "SiteBuildReport", "build_site"]
