"""What the members domain adds to the shell: its navigation entries and the member's dashboard panel."""


def register() -> None:
    from coopnum.members.views import assemblies, registry, space

    registry.register_navigation()
    assemblies.register_navigation()
    space.register_panels()
