"""Saving an openpyxl workbook so that equal content gives equal bytes.

openpyxl stamps the document properties and every zip entry with "now"; a workbook the
pipeline writes (the pack's, a return template) is stamped with a time the caller chooses
instead, so two builds of the same thing can be compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

CREATOR = "Safer Communities pipeline"


def _restamp(raw: bytes, stamp: dt.datetime) -> bytes:
    """Rewrites the zip with every entry dated `stamp`."""
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def reproducible_bytes(workbook: Workbook, stamp: dt.datetime, title: str) -> bytes:
    """The workbook's .xlsx bytes, its properties and zip entries dated `stamp` (UTC)."""
    stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    props = workbook.properties
    props.created = stamp
    props.modified = stamp
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.title = title
    buffer = io.BytesIO()
    # save_workbook() would overwrite `modified` with "now", so the writer is driven directly.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _restamp(buffer.getvalue(), stamp)
