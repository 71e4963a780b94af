"""The late-payment wording of the cooperative's documents, per kind of buyer: one place for the invoice PDF, the
Factur-X XML notes (PMD, PMT) and the reminder mails.

- **Public buyer** (commune, EPCI, département, région, CCAS, France Services, État — ``OrganisationKind.is_public``;
  invoiced through Chorus Pro): *intérêts moratoires* at the ECB rate + 8 points (art. R2192-31 of the Code de la
  commande publique) and the fixed 40 € recovery indemnity (art. L2192-13 and D2192-35 CCP).
- **Professional private buyer** (association, company, other organisation): *pénalités de retard* at the
  contract's rate, by default the ECB rate + 10 points (art. L441-10 of the Code de commerce), and the fixed 40 €
  indemnity for recovery costs (art. D441-5 C. com.). The contract's rate is the one its convention sets
  (``Convention.penalty_rate_bp``, at least three times the legal interest rate), frozen on the invoice at issue
  (``Invoice.penalty_rate_bp``): its texts say that rate, a yearly rate, and need no ECB rate.

Every client of the cooperative is an organisation (``shared/domain/invoicing.md``: the penalties and the 40 € are
the mentions "for professional buyers"); a consumer (private person) is not a kind of buyer in coopnum, so no
consumer wording is written here.

The ECB rate is the one of the semester (1 January or 1 July) in which the interest starts to run: the day after
the due date (``semester_start``; the dated rates of ``coopnum.core.rates``, ``coopnum.billing.services.ecb``).

    category_of(organisation.kind)       -> BuyerCategory.PUBLIC | BuyerCategory.PROFESSIONAL
    penalty_text(category, contract_rate_bp=None)   # the sentence printed under the totals (and XML note PMD)
    indemnity_text(category)             # the 40 € sentence (XML note PMT)
    reminder_paragraph(category, …)      # the paragraph of a reminder mail, with the amounts"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from coopnum.core.rates import percent_text, semester_label, semester_start
from coopnum.organisations.models import OrganisationKind

__all__ = ["INDEMNITY_CENTS", "RULES", "BuyerCategory", "LatePaymentRules", "category_of", "indemnity_text",
           "penalty_rate_bp", "penalty_text", "percent_text", "points_text", "reminder_paragraph", "rules_for",
           "semester_label", "semester_start"]

INDEMNITY_CENTS = 4000  # 40 €: art. D441-5 C. com. and D2192-35 CCP


class BuyerCategory(StrEnum):
    PUBLIC = "public"
    PROFESSIONAL = "professional"


@dataclass(frozen=True)
class LatePaymentRules:
    category: BuyerCategory
    points_bp: int  # added to the ECB rate, in hundredths of a percent
    name: str  # "intérêts moratoires" / "pénalités de retard"
    rate_law: str  # the article fixing the rate
    indemnity_law: str  # the articles fixing the 40 €


RULES = {
    BuyerCategory.PUBLIC: LatePaymentRules(
        BuyerCategory.PUBLIC, 800, "intérêts moratoires", "art. R2192-31 du Code de la commande publique",
        "art. L2192-13 et D2192-35 du Code de la commande publique"),
    BuyerCategory.PROFESSIONAL: LatePaymentRules(
        BuyerCategory.PROFESSIONAL, 1000, "pénalités de retard", "art. L441-10 du Code de commerce",
        "art. L441-10 et D441-5 du Code de commerce"),
}


def category_of(organisation_kind: str | None) -> BuyerCategory:
    """The buyer category of an organisation kind (``OrganisationKind`` value); unknown → professional."""
    try:
        public = OrganisationKind(organisation_kind).is_public
    except ValueError:
        public = False
    return BuyerCategory.PUBLIC if public else BuyerCategory.PROFESSIONAL


def rules_for(category: BuyerCategory | str) -> LatePaymentRules:
    return RULES[BuyerCategory(category)]


def points_text(points_bp: int) -> str:
    return f"{(Decimal(points_bp) / 100).normalize():f}".replace(".", ",")


def penalty_text(category: BuyerCategory | str, contract_rate_bp: int | None = None) -> str:
    """The late-payment sentence printed on an invoice to this kind of buyer (at the convention's rate when it sets
    one: a professional buyer only)."""
    rules = rules_for(category)
    indemnity = f"indemnité forfaitaire pour frais de recouvrement de 40 € ({rules.indemnity_law})."
    if contract_rate_bp is not None:
        return (f"En cas de retard de paiement, pénalités de retard au taux de {percent_text(contract_rate_bp)} "
                f"l'an, fixé par la convention ({rules.rate_law}), et {indemnity}")
    return (f"En cas de retard de paiement, {rules.name} au taux de la BCE majoré de {points_text(rules.points_bp)} "
            f"points ({rules.rate_law}) et {indemnity}")


def indemnity_text(category: BuyerCategory | str) -> str:
    """The 40 € sentence alone (the Factur-X note PMT)."""
    rules = rules_for(category)
    return (f"Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
            f"({rules.indemnity_law}).")


def penalty_rate_bp(category: BuyerCategory | str, ecb_rate_bp: int | None,
                    contract_rate_bp: int | None = None) -> int:
    """The yearly rate of the late interest: the contract's when it sets one, else the ECB rate + the points."""
    if contract_rate_bp is not None:
        return contract_rate_bp
    return ecb_rate_bp + rules_for(category).points_bp


def reminder_paragraph(category: BuyerCategory | str, *, ecb_rate_bp: int | None, interest: str, indemnity: str,
                       on: date, semester: date, contract_rate_bp: int | None = None) -> str:
    """The paragraph of a reminder: the interest (amount ``interest``, already formatted) at the contract's rate,
    else at the semester's ECB rate plus the points, and the indemnity (``indemnity``)."""
    rules = rules_for(category)
    if contract_rate_bp is not None:
        rate = (f"au taux fixé par la convention, soit {percent_text(contract_rate_bp)} l'an")
    else:
        rate = (f"au taux de la BCE du {semester_label(semester)} ({percent_text(ecb_rate_bp)}) majoré de "
                f"{points_text(rules.points_bp)} points, soit {percent_text(penalty_rate_bp(category, ecb_rate_bp))} "
                "l'an")
    return (f"Conformément à l'{rules.rate_law}, le retard de paiement fait courir des {rules.name} {rate} : "
            f"{interest} au {on.strftime('%d/%m/%Y')}, et une indemnité forfaitaire pour frais de recouvrement de "
            f"{indemnity} ({rules.indemnity_law}).")
