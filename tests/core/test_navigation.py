"""The menu and the dashboard follow the roles a user has (core.navigation, core.dashboard): an administrator passes
every access check, but is not a mediator nor an authority's contact; they run the office."""

from coopnum.core import dashboard, navigation
from tests.conftest import login


def endpoints(user) -> set[str]:
    return {item.endpoint for item in navigation.items_for(user)}


def test_the_admin_sees_the_office_not_the_mediator_nor_the_authority(app_ctx, users):
    admin = users["admin"]
    assert navigation.shown_roles(admin) == {"admin", "coordinator"}
    mine = endpoints(admin)
    assert {"core.audit", "core.users", "billing.invoices", "missions.index", "timesheets.timesheets"} <= mine
    assert not mine & {"missions.my_week", "timesheets.my_hours", "portal.portal", "billing.portal_invoices",
                       "missions.portal_requests", "training.my_skills"}
    panels = {panel.name for panel, _ctx in dashboard.panels_for(admin)}
    assert {"accounts", "hours", "billing"} <= panels
    assert not panels & {"organisation", "portal", "portal_invoices", "my_week", "my_hours", "members.pending"}


def test_each_role_sees_its_own_entries(app_ctx, users):
    assert "core.audit" not in endpoints(users["coordinator"])
    assert {"missions.my_week", "timesheets.my_hours"} <= endpoints(users["mediator"])
    assert "billing.invoices" not in endpoints(users["mediator"])
    assert {"portal.portal", "billing.portal_invoices"} <= endpoints(users["authority"])
    assert endpoints(users["authority"]) & {"missions.index", "core.users"} == set()
    assert {"members.index", "core.dashboard"} <= endpoints(users["member"])


def test_the_office_gets_the_side_navigation(app_ctx, users):
    assert navigation.side_menu(users["admin"]) and navigation.side_menu(users["coordinator"])
    assert not any(navigation.side_menu(users[r]) for r in ("mediator", "member", "authority"))
    assert navigation.shown_roles(None) == frozenset()


def test_groups_and_single_entries(app_ctx, users):
    menu = navigation.menu_for(users["coordinator"])
    groups = {entry.key: entry for entry in menu if isinstance(entry, navigation.NavGroup)}
    assert {"planning", "clients", "activities", "billing", "admin"} <= set(groups)
    assert "missions.absences" in groups["planning"].endpoints
    # a group of one visible entry is that entry: the authority's menu has no group
    assert not any(isinstance(entry, navigation.NavGroup) for entry in navigation.menu_for(users["authority"]))


def test_the_admins_home_has_no_authority_panel(client, users):
    login(client, users["admin"])
    html = client.get("/").get_data(as_text=True)
    assert "rattaché à aucune structure" not in html
    assert 'class="main-nav side-nav"' in html
    nav = html.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/audit"' in nav and 'href="/missions/my-week"' not in nav and 'href="/missions/portal"' not in nav


def test_the_menu_marks_the_current_page_and_its_group(client, users):
    login(client, users["mediator"])
    html = client.get("/missions/absences").get_data(as_text=True)
    nav = html.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'class="main-nav bar-nav"' in html
    assert '<details data-nav-group data-current>' in nav  # the bar's groups are closed, the current one marked
    assert 'href="/missions/absences" aria-current="page"' in nav
