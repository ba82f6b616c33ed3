"""How a unit signs and sends its reports: number suffix, place, recipients, signature."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.units import Unit


class UnitReportSettings(db.Model):
    """One row per unit that changed its report settings; a unit without one uses the
    defaults derived from its name and parent (workflow/report_settings.py).

    Lists (recipients, distribution, authority lines) are stored one entry per line, as
    the form shows them.
    """

    __tablename__ = "unit_report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), unique=True)
    # "UBND" in "Số: …/BC-UBND".
    abbreviation: Mapped[str] = mapped_column(sa.String(40), default="")
    # "Quận 8" in "Quận 8, ngày … tháng … năm …".
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    # The governing body printed above the unit's name (cơ quan chủ quản), if any.
    parent_body: Mapped[str] = mapped_column(sa.String(300), default="")
    # "Kính gửi:" one recipient a line.
    recipients: Mapped[str] = mapped_column(sa.Text, default="")
    # "Nơi nhận:" one line each, the last being "Lưu: VT, …".
    distribution: Mapped[str] = mapped_column(sa.Text, default="")
    # "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH": the lines above the signer's title.
    signing_authority: Mapped[str] = mapped_column(sa.Text, default="")
    signer_title: Mapped[str] = mapped_column(sa.String(120), default="")
    signer_name: Mapped[str] = mapped_column(sa.String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}
