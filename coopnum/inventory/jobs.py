"""Scheduled jobs of the inventory: overdue-loan reminders, erasure of the personal data of closed loans."""


def register() -> None:
    pass
