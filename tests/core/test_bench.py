from datetime import UTC, datetime

from coopnum.bench import run


def test_bench_builds_a_year_and_measures_every_page_with_its_queries():
    output = run(None, years=1, runs=1, now=datetime(2026, 11, 23, 10, tzinfo=UTC))
    lines = output.splitlines()
    assert lines[0].startswith("Données : sessions ") and "activities" in lines[0]
    rows = [line for line in lines[3:] if line.strip()]
    labels = ("Page nue", "Activités (coordination, page 1)", "Rapport de convention (année)",
              "Relevés d'heures du mois", "Tableau de bord des heures", "Ma semaine (médiatrice)")
    for label in labels:
        (row,) = [r for r in rows if r.startswith(label)]
        status, queries = row[42:].split()[0], row[42:].split()[3]
        assert status == "200", row
        assert 0 < int(queries) <= 25, row
