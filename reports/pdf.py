"""PDF rendering with WeasyPrint from Django templates.

Templates live in templates/reports/pdf/ and extend reports/pdf/base.html, which declares the CJK font
shipped in static/fonts/ with @font-face. The font is loaded from a file URL, so Chinese (including rare
name characters such as 喆 and 堃) renders on a machine with no CJK font installed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

FONT_STATIC_PATH = "fonts/NotoSansSC-Portal.otf"
PDF_FONT_FAMILY = "Portal Sans SC"


@cache
def static_file(path: str) -> Path:
    """Absolute path of a static file, from the app/static folders or, after collectstatic, STATIC_ROOT."""
    found = finders.find(path)
    if found:
        return Path(found if isinstance(found, str) else found[0]).resolve()
    candidate = Path(settings.STATIC_ROOT) / path
    if candidate.exists():
        return candidate.resolve()
    raise FileNotFoundError(path)


def css_string(text: str) -> SafeString:
    """A quoted CSS string (for `content:` in @page boxes)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return mark_safe(f'"{escaped}"')


def css_counter_content(text: str) -> SafeString:
    """Turn "第 %(page)s 页 共 %(pages)s 页" into a CSS `content` value with page counters."""
    parts: list[str] = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", text):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts) or '""')


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a template to PDF bytes. Relative URLs resolve against the static folder of the font."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font = static_file(FONT_STATIC_PATH)
    html = render_to_string(template, {
        **context,
        "pdf_font_url": font.as_uri(),
        "pdf_font_family": PDF_FONT_FAMILY,
        "running_title_css": css_string(str(context.get("running_title", ""))),
        "footer_content": context.get("footer_content") or css_counter_content(gettext("第 %(page)s 页 共 %(pages)s 页")),
    })
    font_config = FontConfiguration()
    base_url = font.parent.parent.as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf(font_config=font_config)
