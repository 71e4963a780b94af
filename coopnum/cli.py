"""The ``coopnum`` command: a Flask CLI group (run, db, seed-demo, create-user, create-token, exports…)."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from coopnum import ROOT


def _create_app():
    from coopnum import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """coopnum: le back-office de la coopérative de médiation numérique."""


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def register_commands(app) -> None:
    """The commands of ``coopnum``, by group."""
    _db_commands(app)
    _demo_commands(app)
    _bench_command(app)
    _job_commands(app)
    _account_commands(app)
    _export_commands(app)


def _db_commands(app) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Migrations de la base de données (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    @with_appcontext
    def db_upgrade(revision: str) -> None:
        """Met la base à jour (par défaut : dernière version)."""
        url = current_app.config["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        upgrade_database(url, revision)
        _analyze()
        click.echo("Base de données à jour.")

    @db_group.command("downgrade")
    @click.argument("revision")
    @with_appcontext
    def db_downgrade(revision: str) -> None:
        """Revient à une version antérieure du schéma."""
        from alembic import command

        command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    @with_appcontext
    def db_revision(message: str) -> None:
        """Crée une migration à partir des modèles (autogenerate)."""
        from alembic import command

        command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)

    @db_group.command("current")
    @with_appcontext
    def db_current() -> None:
        from alembic import command

        command.current(alembic_config(current_app.config["DATABASE_URL"]))


def _demo_commands(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Ne fait rien si la base contient déjà des comptes.")
    @click.option("--years", type=click.IntRange(1, 30), default=None,
                  help="Années de travail à générer en volume (avec --mediators : 20 par défaut).")
    @click.option("--mediators", type=click.IntRange(1, 500), default=None,
                  help="Médiateurs en activité (avec --years : 10 ans par défaut).")
    @click.option("--seed", "rng_seed", type=int, default=2026, show_default=True,
                  help="Graine du hasard (même graine, mêmes données).")
    @with_appcontext
    def seed_demo(if_empty: bool, years: int | None, mediators: int | None, rng_seed: int) -> None:
        """Remplit une base vide avec une coopérative de démonstration et affiche les identifiants.

        Avec --years et/ou --mediators : une coopérative en volume réel (environ 500 séances et 1 200 activités par
        médiateur et par an, factures, sociétaires, matériel, formations), voir coopnum.volume."""
        from coopnum.demo import DEMO_PASSWORD, demo_logins, is_empty, seed

        if not is_empty():
            if if_empty:
                click.echo("La base contient déjà des données : démonstration non chargée.")
                _print_logins(demo_logins(), DEMO_PASSWORD)
                return
            click.echo("La base n'est pas vide : seed-demo ne s'applique qu'à une base vide.", err=True)
            sys.exit(1)
        if years is None and mediators is None:
            seed()
            click.echo("Données de démonstration chargées.")
        else:
            _seed_volume(years or 10, mediators or 20, rng_seed)
        _analyze()
        _print_logins(demo_logins(), DEMO_PASSWORD)


def _bench_command(app) -> None:
    from coopnum.bench import data

    @app.cli.command("bench", with_appcontext=False)
    @click.option("--years", multiple=True, type=int, help="Années de données (répétable). Défaut : 1, 5 et 10.")
    @click.option("--backend", "backends", multiple=True, type=click.Choice(["sqlite", "postgresql"]),
                  help="Bases mesurées (répétable). Défaut : les deux.")
    @click.option("--mediators", default=20, show_default=True, help="Médiateurs des données générées.")
    @click.option("--runs", default=20, show_default=True, help="Requêtes mesurées par page, un client, après "
                                                                  "échauffement (p50/p95).")
    @click.option("--clients", default=16, show_default=True, help="Clients simultanés pour le débit.")
    @click.option("--duration", default=3.0, show_default=True, help="Secondes de débit par page.")
    @click.option("--workers", default=2, show_default=True, help="Workers gunicorn.")
    @click.option("--worker-class", default="sync", show_default=True, type=click.Choice(["sync", "gthread"]))
    @click.option("--threads", default=1, show_default=True, help="Threads par worker (gthread).")
    @click.option("--pg-url", default=data.PG_URL, show_default=True, help="Serveur PostgreSQL des bases du bench.")
    @click.option("--pg-prefix", default=data.PG_PREFIX, show_default=True,
                  help="Nom des bases PostgreSQL : <préfixe>_1y, _5y, _10y.")
    @click.option("--rebuild", is_flag=True, help="Reconstruire les bases même si elles sont à jour.")
    @click.option("--no-api", is_flag=True, help="Sans les listes de l'API.")
    @click.option("--no-documents", is_flag=True, help="Sans facture, facturation du mois, rapport PDF ni exports.")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Dossier de results.md et results.json (défaut : bench/).")
    def bench(years, backends, no_api, no_documents, out, **kw) -> None:
        """Mesure l'application servie par gunicorn sur 1, 5 et 10 ans de données (SQLite et PostgreSQL) : p50/p95,
        débit à 16 clients, requêtes SQL par page, à côté d'une page nue ; écrit bench/results.md et .json."""
        from coopnum.bench import Options, run

        options = Options(years=tuple(years) or (1, 5, 10), backends=tuple(backends) or ("sqlite", "postgresql"),
                          api=not no_api, documents=not no_documents, **kw)
        if out is not None:
            options.out = out
        try:
            run(options, log=click.echo)
        except RuntimeError as exc:  # a database or gunicorn that cannot be reached: said, without a traceback
            raise click.ClickException(str(exc)) from None


def _job_commands(app) -> None:
    @app.cli.command("scheduler")
    def scheduler() -> None:
        """Lance les tâches récurrentes (purge RGPD, nettoyage des exports…) jusqu'à l'arrêt (Ctrl-C)."""
        from coopnum.core.jobs import all_jobs, start_scheduler

        for job in all_jobs():
            click.echo(f"  {job.name:<28} {job.description}")
        start_scheduler(app)

    @app.cli.command("run-job")
    @click.argument("name")
    def run_job_command(name: str) -> None:
        """Exécute une tâche récurrente une fois (pour cron). Sans tâche connue : liste les tâches."""
        from coopnum.core.jobs import all_jobs, run_job

        try:
            click.echo(run_job(app, name))
        except KeyError:
            click.echo(f"Tâche inconnue : {name}. Tâches : " + ", ".join(j.name for j in all_jobs()), err=True)
            sys.exit(2)

    @app.cli.command("purge-beneficiaries")
    def purge_beneficiaries_command() -> None:
        """Efface (RGPD) les bénéficiaires sans activité depuis la durée de conservation."""
        from coopnum.activities.jobs import purge_beneficiaries

        click.echo(purge_beneficiaries(app))


def _account_commands(app) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", "full_name", required=True)
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice(["admin", "coordinator", "mediator", "member", "authority"]))
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @with_appcontext
    def create_user(email: str, full_name: str, roles: tuple[str, ...], password: str) -> None:
        """Crée un compte (par exemple le premier administrateur)."""
        from coopnum.core import clock, services
        from coopnum.core.db import db
        from coopnum.core.errors import DomainError

        try:
            user = services.create_user(db.session, None, email=email, full_name=full_name, roles=list(roles),
                                        password=password, now=clock.now())
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"Compte créé : {user.email}")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", default="ligne de commande", help="Nom du jeton.")
    @with_appcontext
    def create_token(email: str, name: str) -> None:
        """Crée un jeton d'API pour un compte et l'affiche (une seule fois)."""
        from coopnum.core import clock, services
        from coopnum.core.db import db

        user = services.user_by_email(db.session, email)
        if user is None:
            raise click.ClickException(f"Aucun compte pour {email}.")
        _token, clear = services.create_token(db.session, None, user, name, now=clock.now())
        db.session.commit()
        click.echo(clear)


def _export_commands(app) -> None:
    @app.cli.group("export")
    def export_group() -> None:
        """Exports de données (lieux en open data, FEC comptable, …)."""

    @export_group.command("places")
    @click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
    @click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="Fichier à écrire (par défaut : la sortie standard).")
    @with_appcontext
    def export_places(fmt: str, out: str | None) -> None:
        """Lieux publiés au standard national des lieux de médiation numérique (LaMednum)."""
        from coopnum.core import formats
        from coopnum.core.db import db
        from coopnum.organisations import lamednum
        from coopnum.organisations.services.places import export_report

        rows, left_out = export_report(db.session, source=current_app.config["COOPNUM_NAME"])
        for problem in left_out:
            click.echo(problem, err=True)
        text = lamednum.to_csv(rows) if fmt == "csv" else lamednum.to_json(rows, indent=2) + "\n"
        if out:
            with open(out, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            click.echo(f"{formats.count(len(rows), 'lieu exporté', 'lieux exportés')} dans {out}.", err=True)
        else:
            click.echo(text.encode("utf-8"), nl=False)  # bytes: CRLF line ends and UTF-8 whatever the locale

    from coopnum.billing.cli import register as register_billing_exports

    register_billing_exports(export_group)  # coopnum export fec --year 2026 [--out DIR]


def _seed_volume(years: int, mediators: int, rng_seed: int) -> None:
    import time

    from coopnum.core import clock, formats
    from coopnum.core.db import db
    from coopnum.volume import generate

    click.echo(f"Génération de {formats.count(years, 'an', 'ans')} de travail pour "
               f"{formats.count(mediators, 'médiateur', 'médiateurs')} (graine {rng_seed})…")
    started = time.perf_counter()
    counts = generate(db.session, years=years, mediators=mediators, seed=rng_seed, now=clock.now())
    elapsed = time.perf_counter() - started
    for table, n in counts.items():
        click.echo(f"  {table:<24} {n:>9}")
    click.echo(f"Données en volume chargées en {elapsed:.1f} s.")


def _analyze() -> None:
    """The planner's statistics, after a schema change or a bulk load (``coopnum.core.maintenance``)."""
    from coopnum.core.db import db
    from coopnum.core.maintenance import analyze

    analyze(db.engine)


def _print_logins(logins: list[tuple[str, str]], password: str) -> None:
    click.echo("")
    click.echo(f"Identifiants de démonstration (mot de passe : {password})")
    for label, email in logins:
        click.echo(f"  {label:<22} {email}")
    click.echo("")
