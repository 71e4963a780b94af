"""The coordination's pages of an assembly, end to end: create, convene (mails through the outbox, with the agenda,
the resolutions, the documents and a proxy form; the sent-log), attendance, resolutions, votes in the room, the
live tally, holding, signing, the minutes and the attendance sheet (PDF), the register of deliberations."""

from datetime import timedelta

from sqlalchemy import select, update

from coopnum.core import clock
from coopnum.members.models import Assembly, CapitalOperation, Convocation, Resolution
from coopnum.members.services import assemblies as services
from tests import days
from tests.conftest import login, text_of
from tests.members import test_assemblies_world as w
from tests.pdftext import pdf_text


def _new_assembly(client, day, **extra):
    data = {"kind": "AGO", "convocation": "1", "day": day.isoformat(), "time": "18:00", "mode": "room",
            "place": "Salle des fêtes, Loudun", "agenda": "1. Comptes 2025\n2. Affectation du résultat", **extra}
    return client.post("/members/assemblies/new", data=data)


def test_convening_mails_every_member_with_voting_rights(session, client, users, smtp_server):
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    with_mail = [w.member(session, colleges[i % 3]) for i in range(3)]
    by_post = w.member(session, colleges[0], email=None)
    w.member(session, colleges[1], shares=0, status="candidate")  # no voting rights: not convened
    session.commit()
    login(client, users["coordinator"])
    response = _new_assembly(client, days.days(20))
    assert response.status_code == 302, text_of(response)
    assembly = session.execute(select(Assembly)).scalar_one()
    now = clock.now()
    services.add_resolution(session, users["coordinator"], assembly, title="Approbation des comptes",
                            text="L'assemblée approuve les comptes de l'exercice.", now=now)
    services.add_document(session, users["coordinator"], assembly, title="Rapport de gestion",
                          filename="rapport.pdf", content=b"%PDF-1.4 rapport", now=now)
    session.commit()
    response = client.post(f"/members/assemblies/{assembly.id}/convene")
    assert response.status_code == 302
    page = text_of(client.get(f"/members/assemblies/{assembly.id}"))
    assert "4 convocations envoyées" in page
    logged = session.execute(select(Convocation).where(Convocation.assembly_id == assembly.id)).scalars().all()
    assert sorted(c.member_id for c in logged) == sorted([m.id for m in with_mail] + [by_post.id])
    assert {c.channel for c in logged if c.member_id == by_post.id} == {"post"}
    assert all(c.outbox_id for c in logged if c.channel == "email")
    assert len(smtp_server) == 3
    message = smtp_server[0]
    assert message["Subject"].startswith("Convocation : AGO du ")
    body = message.get_body(("plain",)).get_content()
    assert "Comptes 2025" in body and "Approbation des comptes" in body and "donner pouvoir" in body
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names == ["pouvoir.pdf", "rapport.pdf"]
    assert session.get(Assembly, assembly.id).status == "convened"
    # convening again only reaches members admitted since: nobody here
    client.post(f"/members/assemblies/{assembly.id}/convene")
    assert len(session.execute(select(Convocation)).scalars().all()) == 4


def test_a_convocation_too_late_is_refused(session, client, users):
    w.colleges(session)
    w.member(session, None)
    session.commit()
    login(client, users["coordinator"])
    assert _new_assembly(client, days.days(14)).status_code == 302
    assembly = session.execute(select(Assembly)).scalar_one()
    response = client.post(f"/members/assemblies/{assembly.id}/convene", follow_redirects=True)
    assert "Trop tard pour convoquer : sur première convocation, les sociétaires doivent être convoqués au moins " \
           "15 jours avant" in text_of(response)
    assert session.get(Assembly, assembly.id).status == "draft"
    assert session.execute(select(Convocation)).first() is None
    # on paper, 14 days before: refused too, next to the field
    response = _new_assembly(client, days.days(10), convened_on=days.days(-4).isoformat())
    assert response.status_code == 400 and "Trop tard pour convoquer" in text_of(response)


def test_an_assembly_from_attendance_to_signed_minutes(session, client, users):
    colleges = w.colleges(session, (("Salariés", 40), ("Usagers", 30), ("Soutiens", 30)))
    voters = [w.member(session, colleges[i % 3]) for i in range(5)]
    assembly = w.assembly(session)
    session.commit()
    login(client, users["coordinator"])
    url = f"/members/assemblies/{assembly.id}"
    for m in voters[:3]:
        client.post(f"{url}/attendance", data={"att-member_id": m.id, "att-mode": "present",
                                               "att-proxy_holder_id": 0})
    response = client.post(f"{url}/attendance", data={"att-member_id": voters[3].id, "att-mode": "represented",
                                                      "att-proxy_holder_id": voters[0].id}, follow_redirects=True)
    assert "Présence enregistrée." in text_of(response)
    client.post(f"{url}/resolutions", data={"res-title": "Approbation des comptes", "res-text": "Texte",
                                            "res-ballot": "open"})
    resolution = session.execute(select(Resolution)).scalar_one()
    assert client.post(f"/members/resolutions/{resolution.id}/open", data={"open-online_hours": ""}).status_code \
        == 302
    for m, choice in ((voters[0], "for"), (voters[1], "for"), (voters[2], "against"), (voters[3], "abstain")):
        response = client.post(f"/members/resolutions/{resolution.id}", data={"member_id": m.id, "choice": choice})
        assert response.status_code == 302, text_of(response)
    page = text_of(client.get(f"/members/resolutions/{resolution.id}"))
    assert "Décompte en direct" in page and "Tous les sociétaires enregistrés ont voté." in page
    client.post(f"{url}/minutes", data={"pv-president": "Claire Martin", "pv-secretary": "Paul Durand",
                                        "pv-scrutineers": "Ahmed Benali", "pv-debates": "Débat sur les comptes."})
    response = client.post(f"{url}/hold", follow_redirects=True)
    assert "Un vote est encore ouvert" in text_of(response)
    client.post(f"/members/resolutions/{resolution.id}/close")
    client.post(f"{url}/hold")
    response = client.post(f"{url}/sign", data={"sign-signed_by": "Claire Martin, Paul Durand",
                                                "sign-signed_on": days.TODAY.isoformat()}, follow_redirects=True)
    assert "Signature du procès-verbal enregistrée." in text_of(response)
    minutes = client.get(f"{url}/minutes.pdf")
    assert minutes.status_code == 200 and minutes.mimetype == "application/pdf"
    text = " ".join(pdf_text(minutes.data).split())
    for expected in ("Procès-verbal de l'assemblée générale ordinaire", "Salle des fêtes, Loudun",
                     "sur première convocation", "Claire Martin", "Ahmed Benali", "Débat sur les comptes.",
                     "Le quorum est atteint", "représenté·e", "Approbation des comptes", "Salariés", "ADOPTÉE",
                     "Affectation du résultat", "signé le"):
        assert expected in text, expected
    sheet = client.get(f"{url}/attendance.pdf")
    assert sheet.status_code == 200
    sheet_text = " ".join(pdf_text(sheet.data).split())
    assert "Feuille de présence" in sheet_text and voters[4].name in sheet_text
    register = text_of(client.get("/members/deliberations"))
    assert "Approbation des comptes" in register and "adoptée" in register


def test_a_member_gives_a_proxy_and_votes_online_from_its_space(session, client, users):
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    me, account = w.member_user(session, colleges[0])
    friend, friend_account = w.member_user(session, colleges[1])
    third = w.member(session, colleges[2])
    assembly = w.assembly(session, starts_at=days.at(days.days(3), 18))
    now = clock.now()
    resolution = services.add_resolution(session, users["coordinator"], assembly, title="Rapport moral", now=now)
    services.open_vote(session, users["coordinator"], resolution, closes_at=now + timedelta(days=2), now=now)
    session.commit()
    login(client, account)
    page = text_of(client.get("/members/me"))
    assert "Donner mon pouvoir" in page and "Rapport moral" in page and "Votre vote" in page
    dashboard = text_of(client.get("/"))
    assert "Un vote vous attend." in dashboard
    # a proxy to a non-member is refused (not a choice), to a member accepted
    response = client.post(f"/members/me/assemblies/{assembly.id}/proxy", data={"proxy_holder_id": 999999},
                           follow_redirects=True)
    assert "Choisissez le sociétaire" in text_of(response)
    response = client.post(f"/members/me/assemblies/{assembly.id}/proxy", data={"proxy_holder_id": friend.id},
                           follow_redirects=True)
    assert f"{friend.name} votera pour vous" in text_of(response)
    assert "vous attend" not in text_of(client.get("/"))  # its holder votes for it now
    # having given a proxy, I no longer vote myself
    response = client.post(f"/members/me/resolutions/{resolution.id}/vote", data={"choice": "for"},
                           follow_redirects=True)
    assert f"Vous avez donné pouvoir à {friend.name}" in text_of(response)
    client.post("/logout")
    login(client, friend_account)
    page = text_of(client.get("/members/me"))
    assert f"Vote pour {me.name} (pouvoir)" in page
    assert "2 votes vous attendent." in text_of(client.get("/"))  # its own and the proxy's
    response = client.post(f"/members/me/resolutions/{resolution.id}/vote",
                           data={"member_id": me.id, "choice": "against"}, follow_redirects=True)
    assert f"Vote enregistré pour {me.name} : Contre." in text_of(response)
    response = client.post(f"/members/me/resolutions/{resolution.id}/vote", data={"choice": "for"},
                           follow_redirects=True)
    assert f"Vote enregistré pour {friend.name} : Pour." in text_of(response)
    response = client.post(f"/members/me/resolutions/{resolution.id}/vote", data={"choice": "for"},
                           follow_redirects=True)
    assert "a déjà voté" in text_of(response)
    assert "vous attend" not in text_of(client.get("/"))
    # not a proxy of mine
    response = client.post(f"/members/me/resolutions/{resolution.id}/vote",
                           data={"member_id": third.id, "choice": "for"}, follow_redirects=True)
    assert "ne portez pas le pouvoir" in text_of(response)
    # the tally is for the bureau while the vote is open
    assert client.get(f"/members/resolutions/{resolution.id}").status_code == 403


def test_the_demo_of_assemblies(session, client, users):
    import random
    from types import SimpleNamespace

    from coopnum.members import demo_assemblies

    ctx = SimpleNamespace(rng=random.Random(1), coordinator=users["coordinator"], admin=users["admin"])
    demo_assemblies.seed(session, ctx, clock.now())  # no colleges, no members: nothing
    assert session.execute(select(Assembly)).first() is None
    colleges = w.colleges(session)
    me, account = w.member_user(session, colleges[0], admitted_on=days.days(-800))
    for i in range(8):
        w.member(session, colleges[i % 4], admitted_on=days.days(-800))
    session.execute(update(CapitalOperation).values(on=days.days(-800)))  # shares held last year too
    demo_assemblies.seed(session, ctx, clock.now())
    session.commit()
    rows = session.execute(select(Assembly).order_by(Assembly.starts_at)).scalars().all()
    assert [(a.kind, a.status) for a in rows] == [("AGO", "held"), ("AGE", "convened")]
    assert rows[0].minutes_signed_on is not None
    login(client, account)
    page = text_of(client.get("/members/me"))
    assert "Modification de l'article 12" in page and "Votre vote" in page


def test_pending_votes_of_a_member_in_two_queries(session, users):
    """The dashboard's count: the open resolutions of the convened assemblies whose online vote is open now, for the
    member unless it gave its proxy there, and for each member whose proxy it holds there, less the ballots cast —
    in two queries (the assemblies, the count) whatever their number."""
    from coopnum.members.models import AssemblyStatus, AttendanceMode
    from tests.queries import counting

    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    me, friend, other, absent = (w.member(session, colleges[i % 3]) for i in range(4))
    now = clock.now()

    def opened(assembly, title, opened_at=now, closes_at=now + timedelta(days=2)):
        resolution = services.add_resolution(session, None, assembly, title=title, now=opened_at)
        return services.open_vote(session, None, resolution, closes_at=closes_at, now=opened_at)

    mine = w.assembly(session, starts_at=days.at(days.days(3), 18))
    first, second = opened(mine, "Rapport moral"), opened(mine, "Comptes")
    opened(mine, "Hors délai", now - timedelta(days=2), now - timedelta(minutes=1))  # its online vote is over
    services.add_resolution(session, None, mine, title="Pas encore soumise", now=now)  # a draft
    services.record_attendance(session, None, mine, friend, mode=AttendanceMode.REPRESENTED, proxy_holder=me,
                               now=now)
    services.record_attendance(session, None, mine, other, mode=AttendanceMode.REPRESENTED, proxy_holder=absent,
                               now=now)  # not mine to cast
    services.cast_ballot(session, None, first, friend, "for", by_member=me, now=now)
    proxied = w.assembly(session, starts_at=days.at(days.days(4), 18))
    opened(proxied, "Budget")
    services.record_attendance(session, None, proxied, me, mode=AttendanceMode.REPRESENTED, proxy_holder=absent,
                               now=now)  # my proxy given: I do not vote there
    draft = w.assembly(session, starts_at=days.at(days.days(40), 18), status=AssemblyStatus.DRAFT)
    services.add_resolution(session, None, draft, title="Projet", now=now)
    session.flush()
    with counting(session.get_bind()) as statements:
        pending, assemblies = services.pending_for(session, me.id, now)
    # mine: first and second for me, second for friend (first already cast for friend); proxied: nothing
    assert (pending, [a.id for a in assemblies]) == (3, [mine.id, proxied.id])
    assert len(statements) == 2
    services.cast_ballot(session, None, second, me, "against", by_member=me, now=now)
    session.flush()
    assert services.pending_for(session, me.id, now)[0] == 2
    # absent: its own two and other's two in mine; Budget for itself and for me (my proxy) in proxied
    assert services.pending_for(session, absent.id, now)[0] == 2 + 2 + 1 + 1
