"""Commands of the billing domain, added to the ``coopnum export`` group by ``coopnum.cli``:

    coopnum export fec --year 2026 [--out DIR]     writes <SIREN>FEC20261231.txt into DIR (default: here)
"""

import click
from flask.cli import with_appcontext


def register(export_group: click.Group) -> None:
    @export_group.command("fec")
    @click.option("--year", type=int, required=True, help="Exercice (année civile), par exemple 2026.")
    @click.option("--out", "out", type=click.Path(file_okay=False, dir_okay=True, writable=True), default=".",
                  show_default=True, help="Dossier où écrire le fichier.")
    @with_appcontext
    def export_fec(year: int, out: str) -> None:
        """Fichier des écritures comptables (FEC) d'un exercice : <SIREN>FEC<AAAAMMJJ>.txt."""
        from coopnum.billing.services import accounting
        from coopnum.core import formats
        from coopnum.core.db import db, reading
        from coopnum.core.errors import DomainError

        try:
            with reading():
                path = accounting.write_fec(db.session, year, out)
                db.session.rollback()
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        rows = path.read_bytes().decode(accounting.ENCODING).splitlines()[1:]
        entries = len({row.split(accounting.SEPARATOR)[2] for row in rows})
        click.echo(f"FEC {year} écrit : {path} ({formats.count(entries, 'écriture', 'écritures')}, "
                   f"{formats.count(len(rows), 'ligne', 'lignes')}).")
