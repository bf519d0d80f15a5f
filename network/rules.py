"""Who may do what in the network core: roles as predicates, and the directory's actions.

The role predicates here are the building blocks of every app's rules (`sites/rules.py`,
`stats/rules.py`…). A rule is named `<app>.<action>`; see spro/web/access.py for how it is asked.
"""

import rules


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


@rules.predicate
def is_regional_coordinator(user) -> bool:
    return user.roles.is_regional_coordinator


@rules.predicate
def is_observer(user) -> bool:
    return user.roles.is_observer


@rules.predicate
def reads_whole_network(user) -> bool:
    """Regional coordinators and observers (Région, funders) read every site's data."""
    return user.roles.reads_whole_network


@rules.predicate
def is_site_coordinator(user) -> bool:
    return user.roles.is_site_coordinator


@rules.predicate
def is_partner(user) -> bool:
    return user.roles.is_partner


# The directory of organisations is open to every signed-in person; the coordination keeps it.
rules.add_rule("network.read_organisations", is_signed_in)
rules.add_rule("network.manage_organisations", is_regional_coordinator)
# People, their accounts and dated roles are the coordination's alone.
rules.add_rule("network.manage_people", is_regional_coordinator)
# Partner API tokens and the log of their calls.
rules.add_rule("network.manage_api_tokens", is_regional_coordinator)
