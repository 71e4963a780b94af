"""Demo: a year of peer trainings (about one a month, one or two half-days, a mediator trains 3 to 6 mediators and
members on competences of the Pix framework), the held ones with their signed attendance (a drawn signature per
signer; one half-day signed on paper, with its scan), the levels reached after some of them, and one training next
week. Written through the services, deterministic with ``ctx.rng``."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from coopnum.training.models import Skill, SkillFramework

TOPICS = [
    ("Sécuriser ses comptes et ses mots de passe", ["4.1", "4.2"],
     "Mots de passe robustes, gestionnaire de mots de passe, double authentification : savoir les expliquer au "
     "public."),
    ("Rechercher et vérifier l'information", ["1.1"], "Moteurs de recherche, sources, repérer une fausse information."),
    ("Accompagner les démarches en ligne", ["2.1", "4.2"], "FranceConnect, espaces personnels, ANTS, CAF : accompagner "
     "sans faire à la place."),
    ("Gérer ses fichiers et le cloud", ["1.2"], "Dossiers, sauvegardes, partage de fichiers dans le nuage."),
    ("Visio et messageries", ["2.1", "2.3"], "Organiser une visioconférence, choisir une messagerie, les bons usages."),
    ("Créer un document accessible", ["3.1", "3.3"], "Styles, contrastes, textes alternatifs, export PDF accessible."),
    ("Retoucher et partager des photos", ["3.2", "2.2"], "Recadrer, alléger, partager sans perdre ses droits."),
    ("Identité numérique et réseaux sociaux", ["2.4", "4.2"], "Réglages de confidentialité, e-réputation, "
     "cyberharcèlement."),
    ("Résoudre les problèmes techniques courants", ["5.1"], "Mises à jour, imprimante, Wi-Fi : diagnostiquer avec "
     "méthode."),
    ("Tableur : les bases pour accompagner", ["1.3"], "Saisir, trier, filtrer, une formule simple."),
    ("Initiation à la programmation avec Scratch", ["3.4"], "Animer un atelier de découverte du code."),
    ("Numérique responsable", ["4.3", "4.4"], "Santé, environnement, sobriété numérique."),
]


def _signature(rng, name: str) -> bytes:
    """A small drawn signature: a polyline with a flourish (deterministic with ``rng``)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "white")
    draw = ImageDraw.Draw(image)
    x, points = 10, []
    for _ in range(6 + len(name) % 4):
        points.append((x, rng.randint(18, 62)))
        x += rng.randint(20, 34)
    draw.line(points, fill="#1b2a4a", width=3, joint="curve")
    draw.line([(points[0][0], 70), (min(x, 230), rng.randint(60, 74))], fill="#1b2a4a", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _scan_pdf(rng) -> bytes:
    """A scanned paper sheet (a grey page with lines, as a PDF)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), "#f4f4f0")
    draw = ImageDraw.Draw(image)
    for y in range(120, 700, 60):
        draw.line([(40, y), (555, y)], fill="#777777", width=1)
        draw.line([(380, y - 30), (380 + rng.randint(60, 150), y - rng.randint(8, 25))], fill="#1b2a4a", width=2)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=72)
    return out.getvalue()


def _weekday(day, rng):
    day = day + timedelta(days=rng.randint(0, 3))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def seed(session, ctx, now: datetime) -> None:
    from coopnum.core import clock
    from coopnum.training.services import framework
    from coopnum.training.services import sessions as services
    from coopnum.training.services.people import person_for_user

    mediators = list(ctx.mediators)
    if len(mediators) < 2 or ctx.coordinator is None:
        return
    rng = ctx.rng
    framework.ensure_framework(session)
    pix = {s.code: s for s in session.execute(select(Skill).where(Skill.framework == SkillFramework.PIX)).scalars()}
    mediator_people = [person_for_user(session, u) for u in mediators]
    mediator_ids = {u.id for u in mediators}
    member_people = [person_for_user(session, u) for u in ctx.members if u.id not in mediator_ids][:8]
    users = {u.id: u for u in [*mediators, *ctx.members]}
    coordinator = ctx.coordinator
    today = clock.paris_today(now)
    topics = list(TOPICS)
    rng.shuffle(topics)
    used_days: set = set()
    paper_done = False
    for index in range(12):
        training, trainer, trainees, skills = _plan(session, ctx, index, topics[index % len(topics)], today,
                                                    used_days, mediator_people, member_people, pix, now)
        if index == 11:
            continue
        paper_done = _attend(session, training, trainer, [trainer, *trainees], users, coordinator, rng,
                             paper=not paper_done and index == 4) or paper_done
        services.mark_held(session, training, actor=coordinator, now=training.half_days[-1].ends_at)
        if skills and index % 2 == 0:
            levels = {(p.id, skill_id): max(1, (target or 2) - rng.randint(0, 1)) for p in trainees
                      for skill_id, target in skills}
            services.record_levels(session, training, levels, actor=users.get(trainer.user_id, coordinator),
                                   now=training.half_days[-1].ends_at + timedelta(hours=1))
    session.flush()


def _plan(session, ctx, index, topic, today, used_days: set, mediator_people, member_people, pix, now):
    """The index-th training of the year (the 12th: next week's, planned): (training, trainer, trainees, skills)."""
    from coopnum.core import clock
    from coopnum.training.services import sessions as services

    rng = ctx.rng
    title, codes, description = topic
    if index < 11:
        day = _weekday(today - timedelta(days=335 - index * 30), rng)
    else:  # next week's, planned
        day = today + timedelta(days=7 - today.weekday() + 1)  # the Tuesday of next week
    while day in used_days or day.weekday() >= 5:
        day += timedelta(days=1)
    used_days.add(day)
    trainer = mediator_people[index % len(mediator_people)]
    pool = [p for p in mediator_people if p.id != trainer.id]
    trainees = rng.sample(pool, k=min(len(pool), rng.randint(2, 4)))
    if member_people:
        trainees += rng.sample(member_people, k=min(len(member_people), rng.randint(1, 2)))
    half_days = [services.HalfDayInput(day, "am")]
    if rng.random() < 0.5:
        half_days.append(services.HalfDayInput(day, "pm"))
    skills = [(pix[c].id, rng.randint(2, 4)) for c in codes if c in pix]
    planned_at = clock.paris_datetime(day - timedelta(days=21), datetime.min.time().replace(hour=10))
    training = services.create_training(session, services.TrainingInput(
        title=title, description=description, skills=skills, half_days=half_days,
        trainer_ids=[trainer.id], trainee_ids=[p.id for p in trainees],
        place_id=ctx.places[index % len(ctx.places)].id if ctx.places and index % 3 else None,
        location="" if ctx.places and index % 3 else "Visio (lien envoyé la veille)",
        materials="Ordinateur portable ou tablette chargés" if index % 2 else ""),
        actor=ctx.coordinator, now=min(planned_at, now), confirm=True)
    return training, trainer, trainees, skills


def _attend(session, training, trainer, people, users, coordinator, rng, *, paper: bool) -> bool:
    """The signatures of each half-day (a few absences); with ``paper``, the first half-day is a scanned sheet
    instead. Returns whether the paper sheet was recorded."""
    from coopnum.training.services import attendance

    done = False
    for position, hd in enumerate(training.half_days):
        if paper and position == 0:
            scan = attendance.upload_scan(session, hd, filename="feuille-emargement-scannee.pdf",
                                          data=_scan_pdf(rng), actor=users.get(trainer.user_id, coordinator),
                                          now=hd.ends_at + timedelta(minutes=10))
            attendance.record_paper(session, hd, scan, [p.id for p in people if rng.random() < 0.95],
                                    actor=users.get(trainer.user_id, coordinator), now=scan.uploaded_at)
            done = True
            continue
        for person in people:
            if person is not trainer and rng.random() < 0.08:
                continue  # absent
            actor = users.get(person.user_id)
            at = hd.starts_at + timedelta(minutes=rng.randint(-15, 20))
            attendance.sign(session, hd, person, actor=actor, now=at, png=_signature(rng, person.full_name),
                            ip="192.0.2.10")
    return done
