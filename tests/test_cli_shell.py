"""The shell around the commands: -V, --json, --quiet/--verbose, examples in --help, completion, presets show,
and one-line messages (argparse's own, --set values, files that are loops, BOMs or too big)."""

import json
import shutil
import subprocess
import sys
from importlib import resources

import pytest

from wormcast.cli import build_parser
from wormcast.config.loading import load_scenario, preset_names

FAST = ["--set", "population.vulnerable=20000", "--set", "worm.scan_rate.mean=120",
        "--set", "end=2001-07-19T12:00:00Z", "--set", "seeding.initial_infected=5"]


def wormcast(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wormcast", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def one_line_error(p, start: str):
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith(start), p.stderr
    assert "Traceback" not in p.stderr and "usage:" not in p.stderr


def test_dash_v_is_version():
    a, b = wormcast("-V"), wormcast("--version")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout and a.stdout.startswith("wormcast ")


def test_run_json_prints_summary_json_and_no_words(tmp_path):
    out = tmp_path / "o"
    p = wormcast("run", "codered-v2", "--out", str(out), "--json", *FAST)
    assert p.returncode == 0, p.stderr
    assert p.stdout == (out / "summary.json").read_text()
    assert json.loads(p.stdout)["scenario"] == "codered-v2"
    assert "vulnerable hosts were infected" not in p.stdout


def test_run_quiet_prints_nothing_and_verbose_gives_timings(tmp_path):
    p = wormcast("run", "codered-v2", "--out", str(tmp_path / "q"), "--quiet", *FAST)
    assert p.returncode == 0 and p.stdout == "" and p.stderr == ""
    assert (tmp_path / "q" / "summary.json").exists()
    p = wormcast("run", "codered-v2", "--out", str(tmp_path / "v"), "--verbose", "--json", *FAST)
    assert p.returncode == 0, p.stderr
    json.loads(p.stdout)  # details go to stderr, stdout stays JSON
    assert "timings: world" in p.stderr and "20,000 vulnerable hosts" in p.stderr
    one_line_error(wormcast("run", "codered-v2", "-q", "-v"), "wormcast: -v/--verbose: not allowed with")


def test_ensemble_json_is_its_summary(tmp_path):
    out = tmp_path / "e"
    p = wormcast("run", "codered-v2", "--runs", "2", "--workers", "1", "--out", str(out), "--json", *FAST)
    assert p.returncode == 0, p.stderr
    assert p.stdout == (out / "summary.json").read_text()


def test_presets_json_and_show():
    p = wormcast("presets", "--json")
    assert p.returncode == 0
    listed = json.loads(p.stdout)
    assert [d["name"] for d in listed] == preset_names()
    assert listed[1]["description"] == load_scenario(listed[1]["name"]).description
    p = wormcast("presets", "show", "codered-ii")
    shipped = resources.files("wormcast.config.presets").joinpath("codered-ii.toml").read_text("utf-8")
    assert p.returncode == 0 and p.stdout == shipped and "# " in p.stdout  # the comments too
    one_line_error(wormcast("presets", "show", "nope"), "wormcast: unknown preset 'nope' (presets: blaster, codered-")


def test_every_help_has_examples():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.choices and "run" in a.choices).choices
    assert {"presets", "run", "audit", "sweep", "results", "completion"} <= set(commands)
    for name in ["", *commands]:
        p = wormcast(*([name] if name else []), "--help")
        assert p.returncode == 0
        text = p.stdout.split("examples:", 1)
        assert len(text) == 2, f"wormcast {name} --help has no examples"
        assert "\n  wormcast " in text[1] or "\n  eval " in text[1]


@pytest.mark.parametrize("args, line", [
    (["run", "codered-v2", "--seed", "abc"], "wormcast: --seed: invalid int value: 'abc'\n"),
    (["run"], "wormcast: the following arguments are required: SCENARIO\n"),
    (["frob"], "wormcast: COMMAND: invalid choice: 'frob'"),
    (["run", "codered-v2", "--backend", "gpu"], "wormcast: --backend: invalid choice: 'gpu'"),
    (["completion", "fish"], "wormcast: shell: invalid choice: 'fish'"),
])
def test_argparse_errors_are_one_line(args, line):
    one_line_error(wormcast(*args), line)


@pytest.mark.parametrize("setting, start", [
    ("population.vulnerable=abc", "wormcast: --set population.vulnerable=abc: population.vulnerable: "),
    ("worm.scan_rate.mean=-2", "wormcast: --set worm.scan_rate.mean=-2: worm.scan_rate.mean: "),
    ("worm.exclude=[1", "wormcast: --set worm.exclude=[1: the value '[1' is not valid TOML"),
    ("population={vulnerable='x'}", "wormcast: --set population={vulnerable='x'}: population.vulnerable: "),
])
def test_set_errors_name_the_set_option(setting, start):
    one_line_error(wormcast("run", "codered-v2", "--set", setting), start)


def test_a_bad_value_in_the_file_still_names_the_file(tmp_path):
    text = resources.files("wormcast.config.presets").joinpath("codered-ii.toml").read_text("utf-8")
    big = tmp_path / "big.toml"
    big.write_text(text.replace("vulnerable = 170000 ", "active_slash8 = 1\nvulnerable = 15000000 "), encoding="utf-8")
    p = wormcast("run", str(big))
    one_line_error(p, f"wormcast: {big}: population: population.vulnerable = 15000000 is more than")
    assert "at most 8,388,608" in p.stderr and "active_slash8" in p.stderr
    huge = tmp_path / "huge.toml"
    huge.write_text(text.replace("vulnerable = 170000 ", "vulnerable = 4294967296 "), encoding="utf-8")
    one_line_error(wormcast("run", str(huge)),
                   f"wormcast: {huge}: population: population.vulnerable = 4294967296 is above the limit")
    # A value set on the command line in a file scenario names --set, not the file.
    one_line_error(wormcast("run", str(big), "--set", "population.vulnerable=abc"),
                   "wormcast: --set population.vulnerable=abc:")


def test_symlink_loops_and_dangling_links_are_not_missing_files(tmp_path):
    (tmp_path / "loop.toml").symlink_to("loop.toml")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "gone.toml").symlink_to("nowhere.toml")
    one_line_error(wormcast("run", "loop.toml", cwd=tmp_path), "wormcast: loop.toml: a loop of symbolic links")
    one_line_error(wormcast("run", "a", cwd=tmp_path), "wormcast: a: a loop of symbolic links")
    one_line_error(wormcast("run", "gone.toml", cwd=tmp_path),
                   "wormcast: gone.toml: a symbolic link to 'nowhere.toml', which does not exist")
    one_line_error(wormcast("run", "absent.toml", cwd=tmp_path), "wormcast: absent.toml: no such scenario file")


def test_a_utf8_bom_is_skipped(tmp_path):
    text = resources.files("wormcast.config.presets").joinpath("codered-v2.toml").read_text("utf-8")
    plain, bom = tmp_path / "plain.toml", tmp_path / "bom.toml"
    plain.write_text(text, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert bom.read_bytes()[:3] == b"\xef\xbb\xbf"
    a, b = load_scenario(str(plain)), load_scenario(str(bom))
    assert a.model_dump(exclude={"base_dir"}) == b.model_dump(exclude={"base_dir"})
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    one_line_error(wormcast("run", str(bad)), f"wormcast: {bad}: cannot read scenario (not UTF-8 text")


def _complete(script: str, *words: str, cwd=None) -> list[str]:
    """What the generated bash function offers after ``words`` (the last one is being typed)."""
    probe = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
             "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_wormcast_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30, cwd=cwd)
    assert p.returncode == 0, p.stderr
    return [w for w in p.stdout.split("\n") if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_bash_completion_is_valid_and_completes(tmp_path):
    p = wormcast("completion", "bash")
    assert p.returncode == 0
    path = tmp_path / "wormcast.bash"
    path.write_text(p.stdout)
    check = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    script = p.stdout
    assert _complete(script, "wormcast", "") == ["presets", "run", "audit", "sweep", "results", "model", "explore",
                                                  "calibrate", "completion"]
    assert _complete(script, "wormcast", "r") == ["run", "results"]
    assert _complete(script, "wormcast", "presets", "show", "codered-v") == ["codered-v1", "codered-v2",
                                                                             "codered-v2-observed"]
    assert _complete(script, "wormcast", "run", "--backend", "") == ["local", "dask"]
    assert "--quiet" in _complete(script, "wormcast", "run", "--seed", "3", "--")
    assert _complete(script, "wormcast", "completion", "") == ["bash", "zsh"]
    (tmp_path / "mine.toml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    offered = _complete(script, "wormcast", "run", "", cwd=tmp_path)
    assert "mine.toml" in offered and "notes.txt" not in offered and "codered-ii" in offered


def test_zsh_completion_wraps_the_bash_function():
    p = wormcast("completion", "zsh")
    assert p.returncode == 0
    assert p.stdout.startswith("#compdef wormcast\n") and "bashcompinit" in p.stdout
    assert "complete -o filenames -F _wormcast_complete wormcast" in p.stdout
    if shutil.which("zsh"):
        check = subprocess.run(["zsh", "-n", "-c", p.stdout], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_results_json_is_the_aggregate_table(tmp_path):
    import pandas as pd

    out = tmp_path / "sweep"
    p = wormcast("sweep", "codered-v2", "--grid", "worm.scan_rate.mean=60,120", "--runs", "1", "--workers", "1",
                 "--out", str(out), *FAST)
    assert p.returncode == 0, p.stderr
    p = wormcast("results", str(out), "--json")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    agg = pd.read_csv(out / "aggregate.csv")
    assert len(rows) == len(agg) == 2
    assert [r["worm.scan_rate.mean"] for r in rows] == agg["worm.scan_rate.mean"].tolist()
    assert list(rows[0]) == list(agg.columns)
