"""Domain services: every change of a task, plan, unit, user or setting goes through here."""

# Register the flush events that keep the dashboard's tallies (counters) and the mapper
# events that keep `search_text` folded (search), whichever service writes.
from workflow import cascade_linked as _cascade_linked  # noqa: E402, F401
from workflow import cascade_tallies as _cascade_tallies  # noqa: E402, F401
from workflow import counters as _counters  # noqa: E402, F401
from workflow import search as _search  # noqa: E402, F401
