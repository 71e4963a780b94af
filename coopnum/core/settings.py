"""Settings changed from the UI, stored in the ``settings`` table, with defaults declared in code.

    get(session, "beneficiaries.retention_months")      # the stored value, or the declared default
    set_value(session, actor, "beneficiaries.retention_months", 24, now=now)   # audited

A setting must be declared in ``DEFAULTS`` (one place to see them all)."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import audit, formats
from coopnum.core.errors import DomainError
from coopnum.core.models import Setting, User

DEFAULTS: dict[str, Any] = {
    # GDPR: a followed beneficiary without activity for this many months is erased (CNIL: keep no longer than needed).
    "beneficiaries.retention_months": 24,
    # The cooperative's legal identity, printed on every invoice (mandatory mentions) and frozen at issue.
    "company.name": "Coopérative numérique",
    "company.legal_form": "SCIC SAS à capital variable",
    "company.capital": "",  # e.g. "12 400 €" (a variable capital prints its minimum)
    "company.address": "",
    "company.postal_code": "",
    "company.city": "",
    "company.siret": "",
    "company.rcs": "",  # e.g. "RCS Metz 912 345 678"
    "company.rna": "",  # associations: W + 9 digits
    "company.vat_number": "",
    "company.iban": "",
    "company.bic": "",
    "company.training_declaration": "",  # numéro de déclaration d'activité (organisme de formation)
    "company.email": "",
    "company.phone": "",
    "company.website": "",
    # Invoicing.
    "billing.invoice_prefix": "F",  # F2026-00001
    "billing.credit_note_prefix": "A",  # A2026-00001
    "billing.quote_prefix": "D",  # D2026-00001
    "billing.payment_terms_days": 30,
    "billing.quote_validity_days": 60,
    "billing.vat_on_debits": False,  # "Option pour le paiement de la TVA d'après les débits"
    "billing.early_payment_text": "Pas d'escompte pour paiement anticipé.",
    # The late-payment wording depends on the buyer (coopnum.billing.legal); the ECB rate is dated, one per
    # semester (table dated_rates, coopnum.core.rates; billing settings page).
    "billing.dunning_days": [7, 21, 45],  # days after the due date: reminders, the last one a formal notice
    "billing.aptic_organisation_id": None,  # the client the APTIC batches are invoiced to
    "billing.aptic_face_value_cents": 1000,
    # Members, capital and governance (statutes differ: every number is a setting; these are the legal defaults).
    "members.share_nominal_cents": 5000,  # nominal value of a share (part sociale)
    "members.minimum_capital_cents": 0,  # statutory minimum capital (reimbursements never go below it)
    "members.min_paid_at_subscription": "1/4",  # at least ¼ of a subscription paid at once…
    "members.payment_delay_years": 5,  # …the rest within 5 years
    "members.public_bodies_max": "1/2",  # SCIC: public bodies hold at most 50 % of the capital together
    "members.proxy_limit": 1,  # proxies a member may hold
    "members.empty_college_rule": "redistribute",  # or "zero": the weight of a college that casts no vote
    "members.convocation_days_first": 15,  # days between the convocation and an assembly on 1st convocation
    "members.convocation_days_second": 10,  # … on 2nd convocation
    "members.quorum_ago_first": "1/5",
    "members.quorum_ago_second": "0",
    "members.quorum_age_first": "1/4",
    "members.quorum_age_second": "1/5",
    "members.majority_ago": "1/2",  # more than half of the votes cast (weighted by college)
    "members.majority_age": "2/3",  # at least two thirds of the votes cast
    # Pooled equipment: overdue loans are reminded the day after their due date, then every N days; the personal
    # data of a borrower without an account is erased this many days after the loan closed.
    "inventory.reminder_every_days": 7,
    "inventory.borrower_retention_days": 90,
    # Training: certifications expiring within this many days are listed and reminded (a first reminder), then once
    # more within the last N days.
    "training.certification_reminder_days": 60,
    "training.certification_last_reminder_days": 15,
}

# What each setting is called (the audit log and messages name a setting by these words, never by its key).
LABELS: dict[str, str] = {
    "beneficiaries.retention_months": "Durée de conservation des personnes suivies (mois)",
    "company.name": "Raison sociale", "company.legal_form": "Forme juridique", "company.capital": "Capital",
    "company.address": "Adresse", "company.postal_code": "Code postal", "company.city": "Ville",
    "company.siret": "SIRET", "company.rcs": "RCS", "company.rna": "Numéro RNA", "company.vat_number": "Numéro de TVA",
    "company.iban": "IBAN", "company.bic": "BIC", "company.training_declaration": "Déclaration d'activité de formation",
    "company.email": "Adresse électronique", "company.phone": "Téléphone", "company.website": "Site web",
    "billing.invoice_prefix": "Préfixe des factures", "billing.credit_note_prefix": "Préfixe des avoirs",
    "billing.quote_prefix": "Préfixe des devis", "billing.payment_terms_days": "Délai de paiement (jours)",
    "billing.quote_validity_days": "Validité des devis (jours)", "billing.vat_on_debits": "TVA d'après les débits",
    "billing.early_payment_text": "Mention d'escompte", "billing.late_penalty_text": "Mention des pénalités de retard",
    "billing.ecb_rate_bp": "Taux de la BCE", "billing.dunning_days": "Jours des relances",
    "billing.aptic_organisation_id": "Structure facturée des chèques APTIC",
    "billing.aptic_face_value_cents": "Valeur faciale d'un chèque APTIC",
    "members.share_nominal_cents": "Valeur nominale d'une part", "members.minimum_capital_cents": "Capital minimum",
    "members.min_paid_at_subscription": "Part libérée à la souscription",
    "members.payment_delay_years": "Délai de libération (années)",
    "members.public_bodies_max": "Part maximale des collectivités publiques",
    "members.proxy_limit": "Pouvoirs par sociétaire", "members.empty_college_rule": "Règle du collège sans vote",
    "members.convocation_days_first": "Délai de convocation (1re convocation, jours)",
    "members.convocation_days_second": "Délai de convocation (2e convocation, jours)",
    "members.quorum_ago_first": "Quorum de l'AGO (1re convocation)",
    "members.quorum_ago_second": "Quorum de l'AGO (2e convocation)",
    "members.quorum_age_first": "Quorum de l'AGE (1re convocation)",
    "members.quorum_age_second": "Quorum de l'AGE (2e convocation)",
    "members.majority_ago": "Majorité de l'AGO", "members.majority_age": "Majorité de l'AGE",
    "inventory.reminder_every_days": "Relance des prêts en retard (tous les … jours)",
    "inventory.borrower_retention_days": "Conservation des données d'un emprunteur (jours)",
    "training.certification_reminder_days": "Rappel des certifications (jours avant)",
    "training.certification_last_reminder_days": "Dernier rappel des certifications (jours avant)",
}


def label(key: str) -> str:
    """« Téléphone » for ``company.phone``; the key itself for a setting without a label."""
    return LABELS.get(key, key)


def get(session: Session, key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(key)
    value = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return DEFAULTS[key] if value is None else value


def cooperative_name(session: Session) -> str:
    """The cooperative's name (« company.name »), as reports, exports and mails sign — never the software's name."""
    return str(get(session, "company.name") or DEFAULTS["company.name"])


def get_many(session: Session, keys) -> dict[str, Any]:
    """Several settings in one query (stored value, or the declared default)."""
    keys = list(keys)
    for key in keys:
        if key not in DEFAULTS:
            raise KeyError(key)
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all() if keys else []
    stored = {key: value for key, value in rows}
    return {key: DEFAULTS[key] if stored.get(key) is None else stored[key] for key in keys}


def set_value(session: Session, actor: User | None, key: str, value: Any, *, now: datetime) -> None:
    if key not in DEFAULTS:
        raise DomainError(f"Paramètre inconnu : {key}")
    row = session.execute(select(Setting).where(Setting.key == key)).scalar_one_or_none()
    before = DEFAULTS[key] if row is None else row.value
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value, row.updated_at, row.updated_by_id = value, now, actor.id if actor else None
    audit.record(session, actor, "update", row, summary=f"Paramètre « {label(key)} » : {_shown(key, before)} → {_shown(key, value)}",
                 before={"value": before}, after={"value": value}, now=now)


def _shown(key: str, value: Any) -> str:
    """A setting's value in the audit summary: an amount in euros, an empty value in words."""
    if value in (None, ""):
        return "(vide)"
    if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return formats.money(value, "fr")
    return str(value)
