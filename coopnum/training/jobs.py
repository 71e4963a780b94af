"""Scheduled jobs of the training domain: reminders before certifications expire."""


def register() -> None:
    pass
