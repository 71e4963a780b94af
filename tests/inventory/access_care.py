"""Access rows for the care pages: maintenance cases, audits, the usage report (the inventory's home,
``inventory.index``, is in tests/test_access.py). Staff do everything; a mediator sees the cases and the audits,
reports a problem (``maintenance_new``) and ticks assets during an open audit (``audit_tick``). Ids from
``_base_world`` (``asset``, ``maintenance``: an open case, ``audit``: an open audit) and ``_care_world``
(``closed_audit``, with one missing asset)."""

from tests.test_access import STAFF, only

USERS = STAFF | {"mediator"}

ACCESS = {
    "inventory.maintenance_list": ("GET", "/inventory/maintenance?state=open", only(USERS)),
    "inventory.maintenance_new": ("GET", "/inventory/maintenance/new?asset_id={asset}", only(USERS)),
    "inventory.maintenance_case": ("GET", "/inventory/maintenance/{maintenance}", only(USERS)),
    # nothing posted: the issue is required, the page is shown again with its error
    "inventory.maintenance_edit": ("POST", "/inventory/maintenance/{maintenance}/edit", only(STAFF, ok=400)),
    # every field is optional: the case is closed
    "inventory.maintenance_close": ("POST", "/inventory/maintenance/{maintenance}/close", only(STAFF, ok=302)),
    "inventory.audits_list": ("GET", "/inventory/audits", only(USERS)),
    # nothing posted: back to the list with the error
    "inventory.audit_start": ("POST", "/inventory/audits/start", only(STAFF, ok=302)),
    "inventory.audit": ("GET", "/inventory/audits/{audit}", only(USERS)),
    "inventory.audit_tick": ("POST", "/inventory/audits/{audit}/tick", only(USERS, ok=302)),
    "inventory.audit_close": ("POST", "/inventory/audits/{audit}/close", only(STAFF, ok=302)),
    "inventory.audit_lost": ("POST", "/inventory/audits/{closed_audit}/lost", only(STAFF, ok=302)),
    "inventory.usage_report": ("GET", "/inventory/reports/usage", only(STAFF)),
    "inventory.usage_export": ("GET", "/inventory/reports/usage.csv", only(STAFF)),
}
