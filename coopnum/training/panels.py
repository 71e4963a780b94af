"""Panels the training domain adds to other pages (dashboard, the assignment form of a session, the calendars)."""


def register() -> None:
    from coopnum.training.views import planning, sessions, skills

    skills.register_panels()
    sessions.register_panels()
    planning.register_panels()
