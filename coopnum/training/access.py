"""Who may see or change what in the training domain: the one place for these rules.

- staff (admin, coordinator): everything (framework, people, levels, certifications, profiles, trainings,
  attendance on behalf of others from a scanned sheet, documents, matrix, requirements of services);
- a mediator: the framework, the matrix (who can train whom is the point of peer training), its own levels and
  certifications, the trainings (it may propose and lead one as trainer), signs its own attendance, records the
  attendance of the trainings it leads (the trainees sign on its phone or tablet, each for themself), downloads its
  own certificates and the sheets of the trainings it leads;
- a member: its own levels, certifications and trainings, signs its own attendance, its own certificates;
- authority contacts: nothing here."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role


def can_see_training(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)


def can_manage(user) -> bool:
    """Framework, people, profiles, requirements of services, trainings of anyone, scans, certificates of anyone."""
    return is_staff(user)


def can_see_matrix(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def is_self(user, person) -> bool:
    return person is not None and person.user_id is not None and person.user_id == getattr(user, "id", None)


def can_see_person(user, person) -> bool:
    """A person's levels, history and certifications: staff, mediators (peer training), the person itself."""
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR) or (can_see_training(user) and is_self(user, person))


def can_assess(user, person) -> bool:
    """Record a level: staff for anyone; a mediator for others (as trainer or peer), never for itself except as a
    self-assessment (the service marks it so)."""
    return is_staff(user) or has_role(user, Role.MEDIATOR)


def can_edit_certifications(user, person) -> bool:
    return is_staff(user) or (can_see_training(user) and is_self(user, person))


def is_trainer(user, training) -> bool:
    uid = getattr(user, "id", None)
    return any(p.role == "trainer" and p.person is not None and p.person.user_id == uid
               for p in training.participants)


def is_trainee(user, training) -> bool:
    uid = getattr(user, "id", None)
    return any(p.role == "trainee" and p.person is not None and p.person.user_id == uid
               for p in training.participants)


def can_see_training_session(user, training) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR) or (
        can_see_training(user) and (is_trainer(user, training) or is_trainee(user, training)))


def can_plan(user) -> bool:
    """Create a training (a mediator proposes one it leads)."""
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def can_edit_training(user, training) -> bool:
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and is_trainer(user, training))


def can_record_attendance(user, training) -> bool:
    """Open the signing screen of a half-day where trainees sign in turn (staff, its trainers)."""
    return can_edit_training(user, training)


def can_sign_for(user, person, training) -> bool:
    """A signature is the person's own act: a person with an account signs only logged in as itself (on its phone,
    from the half-day's QR code or link); a person without an account signs on the screen of a trainer or of the
    staff, who record it. Nobody signs for someone else who has an account."""
    if is_self(user, person):
        return True
    return person is not None and person.user_id is None and can_record_attendance(user, training)


def can_upload_scan(user, training) -> bool:
    return can_record_attendance(user, training)


def can_see_sheet(user, training) -> bool:
    return can_record_attendance(user, training)


def can_see_certificate(user, person, training) -> bool:
    return is_staff(user) or is_self(user, person) or (has_role(user, Role.MEDIATOR) and is_trainer(user, training))


def can_manage_requirements(user) -> bool:
    return is_staff(user)
