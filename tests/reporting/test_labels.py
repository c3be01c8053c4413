"""Summary figures in words, with units and thousands separators; constant and empty rows left out."""

from wormcast.reporting.labels import count, figure_rows, label, number, value_text


def test_numbers_read_as_people_write_them():
    assert count(4294967296) == "4,294,967,296"
    assert number(1234567.8) == "1,234,568" and number(0.0123) == "0.0123" and number(0) == "0"
    assert value_text("time_to_half_infected_h", 3.2333) == "3.2 h"
    assert value_text("ever_infected_fraction", 0.98706) == "98.7%"
    assert value_text("users_exposed_fraction", {"round_robin": 0.1, "sticky": 0.04}) == \
        "round-robin DNS 10.0%; sticky assignment 4.0%"


def test_rows_are_labelled_and_empty_ones_left_out():
    summary = {"vulnerable": 20000, "time_to_half_infected_h": None, "flood_packets_total": 0.0,
               "backdoored_at_end": 0, "patched_at_end": 5, "flood_target": None, "signatures": ["codered1"],
               "worms": {"a": {}}, "some_new_key": 2.5}
    rows = figure_rows(summary)
    assert rows == [("vulnerable hosts", "20,000"), ("hosts patched by the end", "5"), ("some new key", "2.5")]
    assert not any("_" in name for name, _ in rows)
    # Control: the same figures with values are shown.
    shown = dict(figure_rows({"flood_target": "198.137.240.91", "flood_packets_total": 12.0, "backdoored_at_end": 3}))
    assert shown == {"flood target": "198.137.240.91", "flood packets sent": "12", "backdoors open at the end": "3"}
    assert figure_rows({"flood_target": "198.137.240.91", "flood_packets_total": 0.0}) == []  # no flood: no target
    assert label("peak_new_infections_per_min") == "new infections in the fastest minute"
