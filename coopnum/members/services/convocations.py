"""Convening a general assembly: the convocation mail (agenda, draft resolutions, documents, the proxy form) sent
through the outbox to every member with voting rights, or logged to send by post, within the legal delay."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import audit, formats, mail, outbox
from coopnum.core.clock import paris_today, to_paris
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.members.models import (
    Assembly,
    AssemblyDocument,
    AssemblyStatus,
    BallotKind,
    Convocation,
    ConvocationChannel,
    Member,
    Resolution,
)
from coopnum.members.services import tally as tallies
from coopnum.members.services.assemblies import (
    KIND_WORDS,
    MODE_WORDS,
    assembly_label,
    check_colleges,
    check_delay,
    documents_of,
    resolutions_of,
)

MAIL_KIND = "members.convocation"


def register_mail_kind() -> None:
    outbox.register_kind(MAIL_KIND, _l("Convocation"))


# --- the mail and the sending ---------------------------------------------------------------------------------------------------

def convocation_mail(assembly: Assembly, member: Member, resolutions: list[Resolution],
                     documents: list[AssemblyDocument], *, cooperative: str, space_url: str) -> mail.Mail:
    when = to_paris(assembly.starts_at)
    lines = [
        f"Bonjour {member.name},",
        "",
        f"Vous êtes convoqué·e à l'{KIND_WORDS.get(assembly.kind, assembly.kind)} {formats.of(cooperative)}"
        + (", sur seconde convocation," if assembly.convocation == 2 else "")
        + f" le {when:%d/%m/%Y} à {when:%H:%M}, {MODE_WORDS.get(assembly.mode, '')}"
        + (f" : {assembly.place}" if assembly.place else "") + ".",
    ]
    if assembly.remote_link:
        lines.append(f"Pour participer à distance : {assembly.remote_link}")
    lines += ["", "Ordre du jour :", assembly.agenda or "(voir les résolutions)", ""]
    if resolutions:
        lines.append("Projets de résolutions :")
        for r in resolutions:
            lines += [f"{r.position}. {r.title}" + (" (vote à bulletin secret)" if r.ballot == BallotKind.SECRET
                                                    else ""), r.text, ""]
    if documents:
        lines.append("Documents joints : " + ", ".join(d.title for d in documents))
        lines.append("")
    lines += [
        "Si vous ne pouvez pas y participer, vous pouvez donner pouvoir à un autre sociétaire : en ligne depuis "
        f"votre espace ({space_url}), ou avec le formulaire de pouvoir joint, daté et signé, remis avant le vote.",
        "",
        "Bien coopérativement,",
        cooperative,
    ]
    attachments = [mail.Attachment(d.filename, d.content, d.mimetype) for d in documents]
    return mail.Mail(to=[member.email], subject=f"Convocation : {assembly_label(assembly)} — {cooperative}",
                     body="\n".join(lines), attachments=attachments)


def convene(session: Session, actor: User | None, assembly: Assembly, *, now: datetime, cooperative: str,
            space_url: str, proxy_form: bytes | None = None) -> list[Convocation]:
    """Send the convocations (through the outbox) to every member with voting rights, today: refused when later than
    the legal delay or when the colleges are not valid. Members without an e-mail address get a convocation to send
    by post (logged with their address). May be run again to convene members admitted since (never twice the
    same member)."""
    if assembly.status not in (AssemblyStatus.DRAFT, AssemblyStatus.CONVENED):
        raise DomainError("Cette assemblée est tenue ou annulée : elle ne se convoque plus.")
    today = paris_today(now)
    check_delay(session, assembly, today)
    check_colleges(session)
    already = set(session.execute(select(Convocation.member_id).where(Convocation.assembly_id == assembly.id))
                  .scalars().all())
    members = [m for m in tallies.voting_members(session, tallies.assembly_day(assembly)) if m.id not in already]
    if not members and not already:
        raise DomainError("Aucun sociétaire n'a le droit de vote (admis avec au moins une part) : personne à "
                          "convoquer.")
    resolutions = resolutions_of(session, assembly)
    documents = documents_of(session, assembly)
    sent = []
    for member in members:
        if member.email:
            message = convocation_mail(assembly, member, resolutions, documents, cooperative=cooperative,
                                       space_url=space_url)
            if proxy_form:
                message.attachments.append(mail.Attachment("pouvoir.pdf", proxy_form))
            row = outbox.queue(session, message, kind=MAIL_KIND, about=assembly, actor=actor, now=now)
            convocation = Convocation(assembly_id=assembly.id, member_id=member.id, channel=ConvocationChannel.EMAIL,
                                      address=member.email, sent_on=today, outbox_id=row.id, created_at=now)
        else:
            address = ", ".join(p for p in (member.address, f"{member.postal_code} {member.city}".strip()) if p)
            convocation = Convocation(assembly_id=assembly.id, member_id=member.id, channel=ConvocationChannel.POST,
                                      address=address[:300], sent_on=today, created_at=now)
        session.add(convocation)
        sent.append(convocation)
    if assembly.status == AssemblyStatus.DRAFT:
        assembly.status, assembly.convened_on = AssemblyStatus.CONVENED, today
    session.flush()
    audit.record(session, actor, "convene", assembly, summary=f"{assembly_label(assembly)} : "
                 f"{formats.count(len(sent), 'convocation envoyée', 'convocations envoyées')}", now=now)
    return sent


def convocations_of(session: Session, assembly: Assembly) -> list[Convocation]:
    return list(session.execute(select(Convocation).where(Convocation.assembly_id == assembly.id)
                                .order_by(Convocation.sent_on, Convocation.id)).scalars().all())
