import numpy as np
import pytest

from wormcast.config.schema import Population
from wormcast.errors import WormcastError
from wormcast.world.population import ELIGIBLE_SLASH8, clustered, from_csv


def test_clustered_population_is_distinct_sorted_and_heavy_tailed():
    pop = Population(vulnerable=200_000)
    w = clustered(pop, np.random.default_rng(3))
    a = w.addresses
    assert a.size == 200_000 and np.all(np.diff(a) > 0)
    per8 = np.bincount(a >> 24, minlength=256)
    assert set(np.flatnonzero(per8)) <= set(ELIGIBLE_SLASH8.tolist())
    assert np.count_nonzero(per8) <= pop.active_slash8 < 256 / 2  # most /8s empty
    top = np.sort(per8)[::-1]
    assert top[:10].sum() > 0.5 * a.size  # a few /8s hold most hosts
    per16 = np.bincount(a >> 16)
    per16 = per16[per16 > 0]
    assert per16.max() > 20 * np.median(per16)  # heavy tail over /16s


def test_clustered_population_is_reproducible_per_seed():
    pop = Population(vulnerable=5000)
    a = clustered(pop, np.random.default_rng(1)).addresses
    b = clustered(pop, np.random.default_rng(1)).addresses
    c = clustered(pop, np.random.default_rng(2)).addresses
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_csv_population(tmp_path):
    f = tmp_path / "pop.csv"
    f.write_text("prefix,count\n# a comment\n10.1.0.0/16, 300\n192.0.2.0/24,256\n")
    w = from_csv(f, np.random.default_rng(0))
    assert w.n == 556
    assert np.sum((w.addresses >> 8) == (192 << 16 | 0 << 8 | 2)) == 256


@pytest.mark.parametrize("text, fragment", [
    ("10.1.0.0/33,5\n", ":1: '10.1.0.0/33' is not a valid IPv4 CIDR"),
    ("10.1.0.0/24,300\n", ":1: count 300 does not fit"),
    ("10.0.0.0/8,5\n10.1.0.0/16,5\n", ":2: block overlaps the block on line 1"),
    ("10.1.0.0/24;5\n", ":1: expected 'prefix,count'"),
    ("10.1.0.0/24,many\n", "is not an integer"),
])
def test_csv_errors_name_the_line(tmp_path, text, fragment):
    f = tmp_path / "pop.csv"
    f.write_text(text)
    with pytest.raises(WormcastError) as exc:
        from_csv(f, np.random.default_rng(0))
    assert fragment in str(exc.value)
