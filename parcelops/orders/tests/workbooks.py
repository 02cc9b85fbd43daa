"""Workbooks as other tools write them, for the importers' tests."""

import re
import zipfile
from pathlib import Path


def declare_stale_size(path: Path, ref: str) -> Path:
    """Rewrite the first sheet's declared size (its <dimension ref>) to `ref`, leaving every
    row in place: the out-of-date size that files written by other tools often carry."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert count == 1, "the sheet declares no size"
            target.writestr(info, data)
    return path
