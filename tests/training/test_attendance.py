"""Attendance: signing a half-day on screen (participant, time window, twice, for someone else, an external person
on the trainer's screen), paper scans, immutability of signatures, and the API (create a training, sign: 201 / 409 /
403 / 422, a concurrent double submit)."""

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.core import services as core_services
from coopnum.core.errors import Conflict, DomainError, Forbidden
from coopnum.training.immutability import ImmutableAttendanceError
from coopnum.training.models import AttendanceScan, AttendanceSignature, SignatureMethod, TrainingStatus
from coopnum.training.services import attendance
from tests import days
from tests.concurrency import run_together
from tests.queries import counting
from tests.training import factories_training as ft

PNG = ft.signature_png()
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def course(session, users):
    trainer = ft.person(session, user=users["mediator"])
    trainee = ft.person(session, user=users["member"])
    external = ft.person(session, full_name="Karim Extérieur")
    training = ft.training(session, day=days.TODAY, trainers=[trainer], trainees=[trainee, external])
    return {"training": training, "am": training.half_days[0], "pm": training.half_days[1], "trainer": trainer,
            "trainee": trainee, "external": external}


def test_trainee_signs_its_morning(session, users, course, now):
    row = attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now, png=DATA_URL,
                          ip="10.0.0.1")
    assert (row.method, row.role, row.signed_at, row.signature_png, row.ip) == (
        SignatureMethod.SCREEN, "trainee", now, PNG, "10.0.0.1")
    assert attendance.signed_minutes(session, course["training"], course["trainee"].id) == 210


def test_the_dashboard_lists_what_to_sign_now_and_what_comes_in_one_query(session, users, course, now):
    later = ft.training(session, title="Plus tard", day=days.days(12), trainees=[course["trainee"]])
    ft.training(session, title="Dans deux mois", day=days.days(60), trainees=[course["trainee"]])
    cancelled = ft.training(session, title="Annulée", day=days.days(3), trainees=[course["trainee"]])
    cancelled.status = TrainingStatus.CANCELLED
    session.flush()
    with counting(session.get_bind()) as statements:
        to_sign, upcoming = attendance.dashboard_half_days(session, users["member"].id, now)
    assert len(statements) == 1
    assert to_sign == [course["am"]]  # the afternoon opens at 13:00
    assert upcoming == [course["pm"], *later.half_days]  # the next thirty days, not the cancelled one
    assert upcoming[1].training.title == "Plus tard"
    attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now, png=PNG)
    assert attendance.dashboard_half_days(session, users["member"].id, now)[0] == []  # signed
    assert attendance.to_sign_now(session, course["trainer"], now) == [course["am"]]  # not by the trainer yet
    assert attendance.dashboard_half_days(session, users["coordinator"].id, now) == ([], [])  # not a participant


def test_sign_refusals(session, users, course, now):
    stranger = ft.person(session, user=users["coordinator"])
    with pytest.raises(DomainError, match="ne participe pas"):
        attendance.sign(session, course["am"], stranger, actor=users["coordinator"], now=now, png=PNG)
    # the afternoon opens at 13:00 (30 minutes before 13:30); it is 11:00
    with pytest.raises(DomainError, match="ouvre à 13:00"):
        attendance.sign(session, course["pm"], course["trainee"], actor=users["member"], now=now, png=PNG)
    attendance.sign(session, course["pm"], course["trainee"], actor=users["member"],
                    now=days.at(days.TODAY, 13), png=PNG)
    # the evening of the day still; the next day no more (paper)
    with pytest.raises(DomainError, match="est clos"):
        attendance.sign(session, course["am"], course["trainee"], actor=users["member"],
                        now=clock.paris_day_bounds(days.TODAY)[1], png=PNG)
    with pytest.raises(DomainError, match="Signez dans le cadre"):
        attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now, png="")
    with pytest.raises(DomainError, match="doit être une image PNG"):
        attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now,
                        png="data:image/jpeg;base64,AAAA")


def test_signing_twice_is_refused(session, users, course, now):
    attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now, png=PNG)
    with pytest.raises(Conflict, match="a déjà émargé"):
        attendance.sign(session, course["am"], course["trainee"], actor=users["member"],
                        now=now + timedelta(minutes=5), png=PNG)
    assert session.execute(select(func.count()).select_from(AttendanceSignature)).scalar_one() == 1


def test_nobody_signs_for_someone_else(session, users, course, now):
    # the trainer may not sign for a trainee with an account, nor the trainee for the trainer
    with pytest.raises(Forbidden, match="pour une autre personne"):
        attendance.sign(session, course["am"], course["trainee"], actor=users["mediator"], now=now, png=PNG)
    with pytest.raises(Forbidden):
        attendance.sign(session, course["am"], course["trainer"], actor=users["member"], now=now, png=PNG)
    # the external person (no account) signs on the trainer's screen, not on the member's
    with pytest.raises(Forbidden):
        attendance.sign(session, course["am"], course["external"], actor=users["member"], now=now, png=PNG)
    row = attendance.sign(session, course["am"], course["external"], actor=users["mediator"], now=now, png=PNG)
    assert row.recorded_by_id == users["mediator"].id and row.person_id == course["external"].id


def test_signature_is_immutable(session, users, course, now):
    row = attendance.sign(session, course["am"], course["trainee"], actor=users["member"], now=now, png=PNG)
    session.commit()
    row.signed_at = now - timedelta(hours=1)
    with pytest.raises(ImmutableAttendanceError, match="ne peut pas être modifiée"):
        session.flush()
    session.rollback()
    row = session.execute(select(AttendanceSignature)).scalar_one()
    assert row.signed_at == now
    session.delete(row)
    with pytest.raises(ImmutableAttendanceError, match="ne peut pas être supprimée"):
        session.flush()
    session.rollback()
    assert session.execute(select(func.count()).select_from(AttendanceSignature)).scalar_one() == 1


def test_paper_scan_then_ticks(session, users, course, now):
    am = course["am"]
    for data, message in ((b"", "Choisissez"), (b"GIF89a....", "PDF, un JPEG ou un PNG"),
                          (b"%PDF-" + b"0" * attendance.SCAN_MAX_BYTES, "10 Mo")):
        with pytest.raises(DomainError, match=message):
            attendance.upload_scan(session, am, filename="f.pdf", data=data, actor=users["mediator"], now=now)
    scan = attendance.upload_scan(session, am, filename="C:\\scans\\feuille.jpg", data=b"\xff\xd8\xff\xe0 jpeg",
                                  actor=users["mediator"], now=now)
    assert (scan.filename, scan.content_type) == ("feuille.jpg", "image/jpeg")
    rows = attendance.record_paper(session, am, scan, [course["trainee"].id, course["external"].id],
                                   actor=users["mediator"], now=now)
    assert {(r.person_id, r.method, r.scan_id) for r in rows} == {
        (course["trainee"].id, SignatureMethod.PAPER, scan.id), (course["external"].id, SignatureMethod.PAPER, scan.id)}
    with pytest.raises(Conflict, match="déjà émargé"):
        attendance.sign(session, am, course["trainee"], actor=users["member"], now=now, png=PNG)
    scan.filename = "autre.pdf"
    with pytest.raises(ImmutableAttendanceError):
        session.flush()
    session.rollback()


# --- the API --------------------------------------------------------------------------------------------------------

def _token(session, user) -> dict:
    return {"Authorization": f"Bearer {core_services.create_token(session, user, user, 'api', now=clock.now())[1]}"}


def test_api_create_then_sign(client, session, users):
    trainer = ft.person(session, user=users["mediator"])
    trainee = ft.person(session, user=users["member"])
    ref = ft.skills(session)
    staff, member, mediator = (_token(session, users[r]) for r in ("coordinator", "member", "mediator"))
    session.commit()
    body = {"title": "Les démarches en ligne", "half_days": [{"day": days.TODAY.isoformat(), "period": "am"},
                                                             {"day": days.TODAY.isoformat(), "period": "pm",
                                                              "start": "14:00", "end": "17:30"}],
            "trainer_ids": [trainer.id], "trainee_ids": [trainee.id], "skill_ids": [ref["2.1"].id],
            "target_level": 3, "location": "Visio"}
    created = client.post("/api/v1/training-sessions", headers=staff, json=body)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert [h["period"] for h in data["half_days"]] == ["am", "pm"] and data["skill_ids"] == [ref["2.1"].id]
    am = data["half_days"][0]["id"]
    url = f"/api/v1/training-sessions/{data['id']}/attendance"
    # the trainer may not sign for the trainee (who has an account)
    other = client.post(url, headers=mediator, json={"half_day_id": am, "person_id": trainee.id,
                                                     "signature": DATA_URL})
    assert other.status_code == 403, other.get_json()
    bad = client.post(url, headers=member, json={"half_day_id": am, "person_id": trainee.id, "signature": "abc"})
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "La signature doit être une image PNG."
    ok = client.post(url, headers=member, json={"half_day_id": am, "person_id": trainee.id, "signature": DATA_URL})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["method"] == "screen" and ok.get_json()["person_id"] == trainee.id
    again = client.post(url, headers=member, json={"half_day_id": am, "person_id": trainee.id,
                                                   "signature": DATA_URL})
    assert again.status_code == 409 and "a déjà émargé" in again.get_json()["error"]["message"]
    got = client.get(f"/api/v1/training-sessions/{data['id']}", headers=member).get_json()
    assert got["title"] == "Les démarches en ligne" and len(got["participants"]) == 2
    # a member token lists only its trainings; overlapping one is refused
    assert [t["id"] for t in client.get("/api/v1/training-sessions", headers=member).get_json()["items"]] == [
        data["id"]]
    clash = client.post("/api/v1/training-sessions", headers=staff, json={**body, "title": "Doublon"})
    assert clash.status_code == 409 and "suit déjà la formation" in clash.get_json()["error"]["message"]
    # a mediator plans only a training it leads
    led = client.post("/api/v1/training-sessions", headers=mediator, json={
        **body, "trainer_ids": [trainee.id], "trainee_ids": [], "half_days": [
            {"day": days.days(40).isoformat(), "period": "am"}]})
    assert led.status_code == 403


THREADS = 4


@pytest.mark.real_commits  # the threads' connections must see the training and the tokens the test commits
def test_concurrent_double_submit_one_signature(app, session, users):
    trainee = ft.person(session, user=users["member"])
    trainer = ft.person(session, user=users["mediator"])
    training = ft.training(session, day=days.TODAY, trainers=[trainer], trainees=[trainee])
    token = _token(session, users["member"])
    session.commit()
    url = f"/api/v1/training-sessions/{training.id}/attendance"
    payload = {"half_day_id": training.half_days[0].id, "person_id": trainee.id, "signature": DATA_URL}
    session.close()

    def submit(_i: int):
        response = app.test_client().post(url, headers=token, json=payload)
        return response.status_code, response.get_json()

    results = run_together(submit, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"], body
    assert session.execute(select(func.count()).select_from(AttendanceSignature)).scalar_one() == 1


def test_scan_view_and_file(client, session, users, course):
    from tests.conftest import login

    session.commit()
    login(client, users["mediator"])
    am = course["am"]
    response = client.post(f"/training/sessions/half-days/{am.id}/scan", data={
        "scan": (__import__("io").BytesIO(b"%PDF-1.4 feuille"), "feuille.pdf"),
        "person_ids": [str(course["external"].id)]}, content_type="multipart/form-data")
    assert response.status_code == 302
    scan = session.execute(select(AttendanceScan)).scalar_one()
    row = session.execute(select(AttendanceSignature)).scalar_one()
    assert (row.person_id, row.scan_id, row.method) == (course["external"].id, scan.id, "paper")
    got = client.get(f"/training/scans/{scan.id}")
    assert got.status_code == 200 and got.data == b"%PDF-1.4 feuille" and got.mimetype == "application/pdf"


def test_external_person_signs_on_the_trainers_screen(client, session, users, course):
    from tests.conftest import login

    session.commit()
    url = f"/training/sessions/half-days/{course['am'].id}/sign?person={course['external'].id}"
    login(client, users["member"])
    assert client.get(url).status_code == 403  # not on a trainee's screen
    client.post("/logout")
    login(client, users["mediator"])
    page = client.get(url)
    assert page.status_code == 200 and "Karim Extérieur" in page.get_data(as_text=True)
    done = client.post(f"/training/sessions/half-days/{course['am'].id}/sign",
                       data={"person_id": str(course["external"].id), "signature": DATA_URL})
    assert done.status_code == 302
    row = session.execute(select(AttendanceSignature)).scalar_one()
    assert (row.person_id, row.recorded_by_id, row.signature_png) == (course["external"].id, users["mediator"].id, PNG)
    # the trainee's own signature cannot be posted from the trainer's session
    forged = client.post(f"/training/sessions/half-days/{course['am'].id}/sign",
                         data={"person_id": str(course["trainee"].id), "signature": DATA_URL})
    assert forged.status_code == 403
    again = client.post(f"/training/sessions/half-days/{course['am'].id}/sign",
                        data={"person_id": str(course["external"].id), "signature": DATA_URL})
    assert again.status_code == 400 and "a déjà émargé" in again.get_data(as_text=True)
