"""Demo training: the framework, skills and certifications of every mediator (one expiring next month), a target
profile (``demo_skills``), a year of peer trainings with signed attendance (``demo_sessions``), the skills some
services require (``demo_planning``). ``seed(session, ctx, now)`` is called by ``coopnum.demo.seed``."""

from datetime import datetime


def seed(session, ctx, now: datetime) -> None:
    from coopnum.training import demo_planning, demo_sessions, demo_skills

    demo_skills.seed(session, ctx, now)
    demo_sessions.seed(session, ctx, now)
    demo_planning.seed(session, ctx, now)
