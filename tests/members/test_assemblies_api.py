"""The assemblies' API, end to end: the worked example of governance.md (53.03 %: adopted as an AGO resolution,
rejected as an AGE one), quorum on second convocation, proxies, the governance settings."""

from tests import days
from tests.members import test_assemblies_world as w


def _ids(rows):
    return [r.id for r in rows]


def _worked_example(session, client, users, kind: str) -> dict:
    colleges = w.colleges(session)
    voters = []  # (member, choice)
    for college, (n_for, n_against, n_abstain) in zip(colleges, w.WORKED_VOTES, strict=True):
        for choice, count in (("for", n_for), ("against", n_against), ("abstain", n_abstain)):
            voters += [(m, choice) for m in w.members(session, college, count)]
    api = w.Api(client, w.token(session, users["coordinator"]))
    session.commit()
    response = api.post("/api/v1/assemblies", {"kind": kind, "convocation": 1, "date": days.TODAY.isoformat(),
                                               "place": "Salle du conseil, Loudun",
                                               "convened_on": days.days(-20).isoformat()})
    assert response.status_code == 201, response.get_json()
    assembly = response.get_json()
    assert assembly["status"] == "convened"
    for m, _choice in voters:
        response = api.post(f"/api/v1/assemblies/{assembly['id']}/attendance", {"member_id": m.id,
                                                                                 "mode": "present"})
        assert response.status_code == 201, response.get_json()
    response = api.post(f"/api/v1/assemblies/{assembly['id']}/resolutions",
                        {"title": "Approbation des comptes", "text": "L'assemblée approuve les comptes.",
                         "ballot": "open"})
    assert response.status_code == 201, response.get_json()
    resolution = response.get_json()["id"]
    assert api.post(f"/api/v1/resolutions/{resolution}/open").status_code == 200
    for m, choice in voters:
        response = api.post(f"/api/v1/resolutions/{resolution}/ballots", {"member_id": m.id, "choice": choice})
        assert response.status_code == 201, response.get_json()
    live = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert live["frozen"] is False
    assert api.post(f"/api/v1/resolutions/{resolution}/close").status_code == 200
    result = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert result["frozen"] is True
    assert {k: v for k, v in live.items() if k != "frozen"} == \
        {k: v for k, v in result.items() if k not in ("frozen", "closed_at")}
    return result, colleges


def test_worked_example_through_the_api_is_adopted_as_an_ago(session, client, users):
    result, colleges = _worked_example(session, client, users, "AGO")
    assert result["quorum_reached"] is True
    assert result["votes_cast"] == 50  # 24 for, 26 against: abstentions are not votes cast
    assert round(result["weighted_for"] * 100, 2) == 53.03
    assert result["adopted"] is True
    per = {c["college_id"]: c for c in result["per_college"]}
    assert [(per[c.id]["for"], per[c.id]["against"], per[c.id]["abstain"], per[c.id]["blank"])
            for c in colleges] == [(10, 2, 1, 0), (1, 4, 0, 0), (8, 12, 3, 0), (5, 8, 0, 0)]
    assert [round(per[c.id]["share_for"] * 100, 2) for c in colleges] == [83.33, 20.0, 40.0, 38.46]
    # counted by head it would be 24 / 50 = 48 %: the colleges change the result
    assert sum(c["for"] for c in result["per_college"]) / result["votes_cast"] == 0.48


def test_worked_example_through_the_api_is_rejected_as_an_age(session, client, users):
    result, _colleges = _worked_example(session, client, users, "AGE")
    assert round(result["weighted_for"] * 100, 2) == 53.03
    assert result["quorum_reached"] is True
    assert result["adopted"] is False  # 2/3 needed


def _assembly_with_voters(session, client, users, *, kind="AGO", convocation=1, count=10):
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    voters = [w.member(session, colleges[i % 3]) for i in range(count)]
    api = w.Api(client, w.token(session, users["coordinator"]))
    session.commit()
    response = api.post("/api/v1/assemblies", {"kind": kind, "convocation": convocation,
                                               "date": days.at(days.TODAY, 18).isoformat(), "place": "Mairie",
                                               "convened_on": days.days(-12 if convocation == 2 else -20).isoformat()})
    assert response.status_code == 201, response.get_json()
    return api, response.get_json()["id"], voters


def _vote(api, assembly_id, attending, ballots):
    for m in attending:
        assert api.post(f"/api/v1/assemblies/{assembly_id}/attendance",
                        {"member_id": m.id, "mode": "present"}).status_code == 201
    resolution = api.post(f"/api/v1/assemblies/{assembly_id}/resolutions", {"title": "Résolution"}).get_json()["id"]
    assert api.post(f"/api/v1/resolutions/{resolution}/open").status_code == 200
    for m, choice in ballots:
        assert api.post(f"/api/v1/resolutions/{resolution}/ballots",
                        {"member_id": m.id, "choice": choice}).status_code == 201
    return resolution


def test_quorum_on_first_and_second_convocation(session, client, users):
    # AGE, 2nd convocation (10 days are enough): quorum 1/5; 1 member of 10 attends → not reached, not adopted
    api, assembly_id, voters = _assembly_with_voters(session, client, users, kind="AGE", convocation=2)
    resolution = _vote(api, assembly_id, voters[:1], [(voters[0], "for")])
    result = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert result["quorum_reached"] is False and result["adopted"] is False
    # a second one attends (remote): 2 / 10 = 1/5 → reached
    assert api.post(f"/api/v1/assemblies/{assembly_id}/attendance",
                    {"member_id": voters[1].id, "mode": "remote"}).status_code == 201
    result = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert result["quorum_reached"] is True and result["adopted"] is True


def test_an_ago_on_second_convocation_needs_no_quorum(session, client, users):
    api, assembly_id, voters = _assembly_with_voters(session, client, users, kind="AGO", convocation=2, count=30)
    resolution = _vote(api, assembly_id, voters[:1], [(voters[0], "for")])
    result = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert result["quorum_reached"] is True and result["adopted"] is True


def test_an_ago_on_first_convocation_needs_a_fifth(session, client, users):
    # 12 days before: too late for a 1st convocation (15 days)
    api, _id, voters = _assembly_with_voters(session, client, users, kind="AGO", convocation=2, count=10)
    response = api.post("/api/v1/assemblies", {"kind": "AGO", "convocation": 1, "date": days.TODAY.isoformat(),
                                               "place": "Mairie", "convened_on": days.days(-12).isoformat()})
    assert response.status_code == 422
    assert "Trop tard pour convoquer" in response.get_json()["error"]["message"]
    assert "15 jours" in response.get_json()["error"]["message"]
    response = api.post("/api/v1/assemblies", {"kind": "AGO", "convocation": 1, "date": days.TODAY.isoformat(),
                                               "place": "Mairie", "convened_on": days.days(-15).isoformat()})
    assert response.status_code == 201
    assembly_id = response.get_json()["id"]
    resolution = _vote(api, assembly_id, voters[:1], [(voters[0], "for")])
    assert api.get(f"/api/v1/resolutions/{resolution}/result").get_json()["quorum_reached"] is False
    assert api.post(f"/api/v1/assemblies/{assembly_id}/attendance",
                    {"member_id": voters[1].id, "mode": "present"}).status_code == 201
    assert api.get(f"/api/v1/resolutions/{resolution}/result").get_json()["quorum_reached"] is True


def test_proxies_through_the_api(session, client, users):
    api, assembly_id, voters = _assembly_with_voters(session, client, users, count=6)
    a, b, c, d = voters[:4]
    outsider = w.member(session, None, shares=0)  # a candidate without shares: no voting rights
    session.commit()
    url = f"/api/v1/assemblies/{assembly_id}/attendance"
    assert api.post(url, {"member_id": b.id, "mode": "present"}).status_code == 201
    # a proxy to a non-member (no voting rights) is refused
    response = api.post(url, {"member_id": a.id, "mode": "represented", "proxy_holder_id": outsider.id})
    assert response.status_code == 422
    assert "qu'à un autre sociétaire" in response.get_json()["error"]["message"]
    # to itself, or without a holder: refused
    assert api.post(url, {"member_id": a.id, "mode": "represented", "proxy_holder_id": a.id}).status_code == 422
    assert api.post(url, {"member_id": a.id, "mode": "represented"}).status_code == 422
    # b carries a's proxy; the limit is 1: c's proxy to b is refused
    assert api.post(url, {"member_id": a.id, "mode": "represented", "proxy_holder_id": b.id}).status_code == 201
    response = api.post(url, {"member_id": c.id, "mode": "represented", "proxy_holder_id": b.id})
    assert response.status_code == 422
    assert "la limite est de 1" in response.get_json()["error"]["message"]
    # with a limit of 2, it is accepted
    assert api.patch("/api/v1/governance/settings", {"proxy_limit": 2}).get_json()["proxy_limit"] == 2
    assert api.post(url, {"member_id": c.id, "mode": "represented", "proxy_holder_id": b.id}).status_code == 201
    # the represented members count for the quorum; their ballots count in their own college
    resolution = api.post(f"/api/v1/assemblies/{assembly_id}/resolutions", {"title": "R"}).get_json()["id"]
    assert api.post(f"/api/v1/resolutions/{resolution}/open").status_code == 200
    assert api.post(f"/api/v1/resolutions/{resolution}/ballots", {"member_id": a.id, "choice": "for"}).status_code \
        == 201
    result = api.get(f"/api/v1/resolutions/{resolution}/result").get_json()
    assert result["quorum_reached"] is True
    per = {p["college_id"]: p for p in result["per_college"]}
    assert per[a.college_id]["for"] == 1 and per[b.college_id]["for"] == 0
    # d is not recorded: the secretary cannot record its ballot
    response = api.post(f"/api/v1/resolutions/{resolution}/ballots", {"member_id": d.id, "choice": "for"})
    assert response.status_code == 422 and "enregistrez d'abord sa présence" in response.get_json()["error"]["message"]


def test_governance_settings(session, client, users):
    api = w.Api(client, w.token(session, users["coordinator"]))
    session.commit()
    assert api.get("/api/v1/governance/settings").get_json() == {"empty_college_rule": "redistribute",
                                                                 "proxy_limit": 1}
    assert api.patch("/api/v1/governance/settings", {"empty_college_rule": "zero"}).get_json() == \
        {"empty_college_rule": "zero", "proxy_limit": 1}
    response = api.patch("/api/v1/governance/settings", {"empty_college_rule": "half"})
    assert response.status_code == 422 and "redistribute" in response.get_json()["error"]["message"]
    member_api = w.Api(client, w.token(session, users["member"]))
    session.commit()
    assert member_api.get("/api/v1/governance/settings").status_code == 403
