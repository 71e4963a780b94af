"""Server-side SVG charts: valid XML, accessible names, values written out, labels escaped, proportional bars."""

import xml.etree.ElementTree as ET

import pytest

from coopnum.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("data-value") is not None]


def test_horizontal_bars_show_labels_and_values_and_scale_to_the_largest():
    svg = charts.bars([("E-mail", 12), ("Santé", 3), ("Sécurité", 6)], title="Thématiques")
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Thématiques"
    assert "E-mail : 12" in root.find(f"{SVG}desc").text
    assert {"E-mail", "Santé", "Sécurité", "12", "3", "6"} <= set(texts(root))
    widths = {r.get("data-value"): float(r.get("width")) for r in rects(root)}
    assert widths["12"] == pytest.approx(4 * widths["3"])
    assert widths["6"] == pytest.approx(2 * widths["3"])
    assert widths["12"] <= 640  # fits in the chart
    assert "<script" not in svg


def test_labels_are_escaped_and_long_labels_shortened_with_the_full_text_in_a_title():
    evil = "<b>Atelier</b> & co"
    long = "Une thématique au libellé vraiment très long qui ne tient pas dans la marge " * 2
    svg = charts.bars([(evil, 1), (long, 2)], title='Titre "cité" <b>')
    root = parse(svg)  # still well-formed XML
    assert "<b>" not in svg and "&lt;b&gt;Atelier" in svg
    assert evil in texts(root)
    assert root.find(f"{SVG}title").text == 'Titre "cité" <b>'
    shortened = [t for t in texts(root) if t and t.startswith("Une thématique")]
    assert shortened and shortened[0].endswith("…") and len(shortened[0]) < len(long)
    assert any(long.strip() in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_columns_stack_series_and_write_totals_and_a_legend():
    svg = charts.columns(["sept.", "oct.", "nov."],
                         [("Individuels", [2, 0, 5]), ("Ateliers", [3, 4, 0])], title="Personnes par mois")
    root = parse(svg)
    labels = texts(root)
    assert {"sept.", "oct.", "nov.", "Individuels", "Ateliers"} <= set(labels)
    assert {"5", "4"} <= set(labels)  # the totals above the columns
    heights = [(r.get("data-value"), float(r.get("height"))) for r in rects(root)]
    by_value = {}
    for value, height in heights:
        by_value.setdefault(value, height)
    assert by_value["4"] == pytest.approx(2 * by_value["2"])
    desc = root.find(f"{SVG}desc").text
    assert "sept. : Individuels 2, Ateliers 3" in desc


def test_columns_side_by_side_and_decimal_values():
    svg = charts.columns(["janv.", "févr."], [("Heures", [1.5, 12.25])], title="Heures", stacked=False,
                         number_format=lambda v: f"{float(v):.2f}".replace(".", ","))
    root = parse(svg)
    assert "12,25" in texts(root) and "1,50" in texts(root)


def test_stacked_bar_gives_shares_that_add_up():
    svg = charts.stacked_bar([("Avec guidage", 5), ("Autonome avec guidage en cas de besoin", 3), ("Autonome", 2)],
                             title="Autonomie")
    root = parse(svg)
    legend = [t for t in texts(root) if t and ":" in t]
    assert legend == ["Avec guidage : 5 (50 %)", "Autonome avec guidage en cas de besoin : 3 (30 %)",
                      "Autonome : 2 (20 %)"]
    widths = [float(r.get("width")) for r in rects(root)]
    assert sum(widths) == pytest.approx(640)


@pytest.mark.parametrize("make", [
    lambda: charts.bars([], title="Vide", empty_text="Aucune donnée sur la période."),
    lambda: charts.columns(["janv."], [("Séances", [0])], title="Vide", empty_text="Aucune donnée sur la période."),
    lambda: charts.stacked_bar([("A", 0), ("B", 0)], title="Vide", empty_text="Aucune donnée sur la période."),
])
def test_empty_data_gives_a_small_chart_saying_so(make):
    root = parse(make())
    assert texts(root) == ["Aucune donnée sur la période."]
    assert rects(root) == []


def test_nice_axis_maximum():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 12, 26, 99, 101, 480)] == [1, 1, 5, 10, 20, 50, 100, 200, 500]


@pytest.mark.parametrize(("peak", "integers", "expected"), [
    (3, True, (1, 3)), (22, True, (10, 3)), (1, True, (1, 1)), (0, True, (1, 1)), (17, True, (5, 4)),
    (480, True, (200, 3)), (2.75, False, (1, 3)), (0.6, False, (0.2, 3)),
])
def test_readable_axis_steps(peak, integers, expected):
    assert charts.axis(peak, integers=integers) == pytest.approx(expected)


def test_ids_are_distinct_for_distinct_charts():
    a = parse(charts.bars([("A", 1)], title="Un")).get("id")
    b = parse(charts.bars([("A", 2)], title="Un")).get("id")
    assert a != b


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        charts.columns(["a", "b"], [("x", [1])], title="t")
