"""Long-lived record domains of the single writer, registered in one place.

The queue (tickets, windows, the business day) is day-scoped: ``broker/engine.py`` and
``broker/state.py``, replayed from the last ``day.opened``. Records that outlive a day (cases,
attendance, complaints, ratings) are :class:`~broker.records.RecordDomain` modules here, each
with its command handlers and its fold, rebuilt at start from their latest checkpoint plus the
events after it (``broker/records.py``). Adding one adds a module and one line below.
"""

from __future__ import annotations

from broker.domains.appointments import Appointments
from broker.domains.attendance import Attendance
from broker.domains.cases import CaseRegister
from broker.domains.complaints import Complaints
from broker.domains.guide import GuideDesk
from broker.domains.ratings import Ratings
from broker.domains.staff import StaffOnDuty
from broker.records import RecordDomain

RECORD_DOMAINS: tuple[type[RecordDomain], ...] = (
    StaffOnDuty,
    GuideDesk,
    Complaints,
    Appointments,
    Ratings,
    CaseRegister,
    Attendance,
)
"""The hall's record domains, in the order they are checkpointed."""
