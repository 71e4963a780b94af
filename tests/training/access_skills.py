"""Access rows for the skills area: the framework (everyone of the training domain; the cooperative's skills edited
by the staff), people (list: staff and mediators; a person's page: staff, mediators, the person itself), assessments
(staff and mediators), certifications (staff, the person itself), profiles (staff), the matrix (staff, mediators)
and the API. Ids from ``_base_world`` (skill, mediator_person, member_person, certification — the member's —,
profile) and ``_skills_world`` (other_member_certification)."""

from tests.test_access import STAFF, only

TEAM = STAFF | {"mediator"}
ALL = TEAM | {"member"}
API_ALL = {**only(ALL), "anonymous": 401}
API_TEAM = {**only(TEAM), "anonymous": 401}

ACCESS = {
    "training.skills_index": ("GET", "/training/skills", only(ALL)),
    "training.skill_new": ("GET", "/training/skills/new", only(STAFF)),
    "training.skill_edit": ("GET", "/training/skills/{skill}/edit", only(STAFF)),
    "training.people_index": ("GET", "/training/people", only(TEAM)),
    "training.person_new": ("GET", "/training/people/new", only(STAFF)),
    "training.person_edit": ("GET", "/training/people/{member_person}/edit", only(STAFF)),
    # a member sees only its own page
    "training.person": ("GET", "/training/people/{member_person}", only(ALL)),
    "training.my_skills": ("GET", "/training/me", only(ALL, ok=302)),
    # nothing posted: the page again with the form's errors
    "training.person_assess": ("POST", "/training/people/{member_person}/assess", only(TEAM, ok=400)),
    # the member's own certifications: the staff and the member itself; a mediator may not
    "training.certification_new": ("POST", "/training/people/{member_person}/certifications",
                                   only(STAFF | {"member"}, ok=400)),
    "training.certification_edit": ("GET", "/training/certifications/{certification}/edit",
                                    only(STAFF | {"member"})),
    "training.certifications_index": ("GET", "/training/certifications", only(STAFF)),
    "training.profiles_index": ("GET", "/training/profiles", only(STAFF)),
    "training.profile": ("GET", "/training/profiles/{profile}", only(STAFF)),
    "training.profile_level": ("POST", "/training/profiles/{profile}/levels", only(STAFF, ok=400)),
    "training.matrix_page": ("GET", "/training/matrix?skill_id={skill}", only(TEAM)),
    "training.matrix_export": ("GET", "/training/matrix.xlsx", only(TEAM)),
    "api.list_skills": ("GET", "/api/v1/skills?framework=pix", API_ALL),
    "api.list_people": ("GET", "/api/v1/people", API_TEAM),
    # the member's own skills: the member itself too
    "api.person_skills": ("GET", "/api/v1/people/{member_person}/skills", API_ALL),
    # no body: 422 for those who may assess
    "api.create_assessment": ("POST", "/api/v1/people/{member_person}/skills", {**only(TEAM, ok=422),
                                                                              "anonymous": 401}),
}
