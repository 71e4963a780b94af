"""Rendering of an issued invoice or credit note: the PDF (PDF/A-3b) and the Factur-X file (PDF/A-3 with the
embedded CII XML, profile EN 16931). Called once, at issue, inside the issuing transaction.

PLACEHOLDER: replaced by the real renderer (template, CII XML, Factur-X embed)."""

from dataclasses import dataclass

from coopnum.billing.models import DocumentKind, Invoice


@dataclass(frozen=True)
class Rendered:
    kind: str  # DocumentKind
    filename: str
    content: bytes


def render(invoice: Invoice) -> list[Rendered]:
    from flask import render_template_string
    from weasyprint import HTML

    html = render_template_string("<h1>{{ i.number }}</h1><p>{{ i.buyer_name }}</p>", i=invoice)
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    return [Rendered(DocumentKind.PDF, f"{invoice.number}.pdf", pdf),
            Rendered(DocumentKind.FACTURX, f"{invoice.number}-facturx.pdf", pdf)]
