"""Demo data of the assemblies: last year's AGO held, with its minutes signed and its annual report attached; an upcoming AGE convened; an
online vote open for a demo member. Assumes the colleges and members exist (the register's demo): does nothing
when there are fewer than 3 members with voting rights or the colleges are not valid."""

from datetime import time, timedelta

from sqlalchemy import select

from coopnum.core.clock import paris_datetime, paris_today
from coopnum.core.errors import DomainError
from coopnum.members.models import Assembly, AssemblyDocument
from coopnum.members.services import assemblies as services
from coopnum.members.services import tally as tallies


def seed(session, ctx, now, *, annual_report: bool = True) -> None:
    if session.execute(select(Assembly.id).limit(1)).first() is not None:
        return  # already seeded
    today = paris_today(now)
    actor = getattr(ctx, "coordinator", None) or getattr(ctx, "admin", None)
    try:
        services.check_colleges(session)
    except DomainError:
        return
    last_year = today.replace(year=today.year - 1, day=min(today.day, 28))
    past_day = last_year.replace(month=6, day=20) if last_year.month > 6 else last_year - timedelta(days=30)
    voters = tallies.voting_members(session, past_day)
    if len(voters) < 3:
        return
    _held_ago(session, actor, ctx.rng, voters, past_day, annual_report=annual_report)
    _upcoming_age(session, actor, today, now)


def _held_ago(session, actor, rng, voters, past_day, *, annual_report: bool = True) -> None:
    """Last year's AGO, convened on paper 20 days before, held, minutes signed, its annual report attached."""
    ago = services.create_assembly(
        session, actor, kind="AGO", convocation=1, starts_at=paris_datetime(past_day, time(18, 0)),
        place="Salle du conseil, 15 place du Maréchal Leclerc, Poitiers", title="Assemblée générale annuelle",
        agenda="1. Rapport de gestion\n2. Approbation des comptes\n3. Affectation du résultat\n4. Questions diverses",
        convened_on=past_day - timedelta(days=20), now=paris_datetime(past_day - timedelta(days=20), time(10, 0)))
    ago.president, ago.secretary, ago.scrutineers = voters[0].name, voters[1].name, voters[2].name
    ago.debates = ("Présentation du rapport de gestion et des comptes par la coordination. Questions sur le "
                   "développement des permanences en zone rurale et sur la politique salariale.")
    session.add(AssemblyDocument(assembly_id=ago.id, title="Rapport de gestion", filename="rapport-de-gestion.txt",
                                 mimetype="text/plain", content="Rapport de gestion (démonstration)".encode(),
                                 size=34))
    held_at = ago.starts_at + timedelta(minutes=30)
    attending = voters[: max(3, len(voters) * 2 // 3)]
    for i, member in enumerate(attending):
        if i == 3 and len(attending) > 4:
            services.record_attendance(session, actor, ago, member, mode="represented", proxy_holder=attending[4],
                                       now=held_at)
        else:
            services.record_attendance(session, actor, ago, member, mode="present" if i % 4 else "remote",
                                       now=held_at)
    for title, text in (("Approbation des comptes", "L'assemblée générale approuve les comptes de l'exercice."),
                        ("Affectation du résultat", "L'assemblée affecte le résultat à la réserve légale et aux "
                                                    "réserves impartageables.")):
        resolution = services.add_resolution(session, actor, ago, title=title, text=text, now=held_at)
        services.open_vote(session, actor, resolution, now=held_at)
        for member in attending:
            services.cast_ballot(session, actor, resolution, member,
                                 rng.choices(("for", "against", "abstain"), (8, 1, 1))[0], now=held_at)
        services.close_vote(session, actor, resolution, now=held_at + timedelta(minutes=10))
    services.close_assembly(session, actor, ago, now=held_at + timedelta(hours=1))
    services.sign_minutes(session, actor, ago, signed_by=f"{ago.president}, {ago.secretary}",
                          signed_on=past_day + timedelta(days=3), now=held_at + timedelta(days=3))
    if annual_report:  # a PDF (WeasyPrint): seconds; the volume's tests do without
        _attach_annual_report(session, actor, ago, now=ago.starts_at - timedelta(days=20))


def _upcoming_age(session, actor, today, now) -> None:
    """An upcoming AGE, convened (on paper) today, in 20 days, with an online vote open for the members."""
    age_day = today + timedelta(days=20)
    age = services.create_assembly(
        session, actor, kind="AGE", convocation=1, starts_at=paris_datetime(age_day, time(18, 30)),
        mode="hybrid", place="Maison des associations, Poitiers", remote_link="https://visio.example.org/age",
        title="Modification des statuts", agenda="1. Modification de l'article 12 des statuts (collèges de vote)",
        convened_on=today, now=now)
    resolution = services.add_resolution(
        session, actor, age, title="Modification de l'article 12", ballot="secret",
        text="L'assemblée adopte la nouvelle rédaction de l'article 12 des statuts.", now=now)
    # the members with an account (the demo member) find this vote open in their space
    services.open_vote(session, actor, resolution, closes_at=age.starts_at, now=now)


def _attach_annual_report(session, actor, ago, *, now) -> None:
    """The annual report of the year before the AGO, rendered as on the day it was convened (one PDF)."""
    from coopnum.members.services import annual_report as reports
    from coopnum.members.views.annual_report import render_report_pdf

    year = reports.year_for(ago)
    content = render_report_pdf(reports.annual_report(session, year, now=now))
    reports.attach(session, actor, ago, year, content=content, now=now, check_status=False)
