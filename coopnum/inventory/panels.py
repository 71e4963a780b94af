"""Panels the inventory adds to other pages: the dashboard, the session page ("réserver du matériel pour cette
séance")."""


def register() -> None:
    pass
