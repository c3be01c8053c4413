"""Signatures: the packaged rules agree with their examples and with the public signatures they cite."""

from __future__ import annotations

import re

import pytest

from wormcast.audit.rules import RuleSet
from wormcast.audit.synth import CODERED1, CODERED2, GENERIC, NIMDA
from wormcast.errors import WormcastError

RULES = RuleSet.load()

# Bro 1.x policy/worm.bro, verbatim patterns.
BRO_CODE_RED_1 = re.compile(r"\.id[aq]\?.*NNNNNNNNNNNNN")
BRO_CODE_RED_2 = re.compile(r"\.id[aq]\?.*XXXXXXXXXXXXX")

CORPUS = [CODERED1, CODERED2, "/default.ida", "/default.ida?NNNN", "/x.idq?" + "N" * 40, "/a.ida?b" + "X" * 30,
          "/index.html", "/NNNNNNNNNNNNNNNNNNNNNN.ida", *NIMDA, *(p + "?/c+dir" for p in NIMDA), *GENERIC.values(),
          "/scripts/root.exe?/c+dir", "/MSADC/ROOT.EXE?/c+dir", "/cgi-bin/Root.Exe", "/winnt/system32/cmd.exe",
          "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir", "/scripts/..%c0%af../winnt/system32/cmd.exe?/x",
          "/a/..%255c../b", "/docs/cmd.html", "/rootexe.html"]


def label(uri) -> str | None:
    return RULES.label(uri)


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.name)
def test_rule_examples_and_origin(rule):
    assert rule.origin and rule.references, "every rule documents where it comes from"
    assert rule.examples, "every rule carries examples"
    for ex in rule.examples:
        assert label(rule.example_request(ex)) == rule.name, ex
    for ex in rule.not_examples:
        assert label(rule.example_request(ex)) != rule.name, ex


def test_required_rules_present():
    assert {"codered1", "codered2", "nimda", "root-exe", "cmd-exe", "iis-traversal"} <= set(RULES.by_name)
    assert len(RULES.by_name["nimda"].sequence) == 16


@pytest.mark.parametrize("uri", CORPUS)
def test_code_red_agrees_with_bro(uri):
    """Every request Bro's patterns flag is Code Red here when it is the worm's exact request, and a
    fingerprint mismatch of that rule otherwise; nothing Bro does not flag is Code Red."""
    v = RULES.classify(uri)
    lab = label(uri)
    for name, bro in (("codered1", BRO_CODE_RED_1), ("codered2", BRO_CODE_RED_2)):
        index = RULES.rules.index(RULES.by_name[name])
        assert bool(bro.search(uri)) == (lab == name or index in v.mismatched), name
        if lab == name:
            assert uri == (CODERED1 if name == "codered1" else CODERED2)


def test_fingerprint_method_and_version():
    from wormcast.audit.formats import Request

    def req(method, version, uri=CODERED1):
        return Request(0.0, "1.2.3.4", method, uri, 404, version)

    assert label(req("GET", "HTTP/1.0")) == "codered1"
    assert label(req("GET", None)) == "codered1"  # the log does not record the version (IIS, UrlScan)
    for method, version in (("GET", ""), ("GET", "HTTP/1.1"), ("get", "HTTP/1.0"), ("HEAD", "HTTP/1.0")):
        v = RULES.classify(req(method, version))
        assert RULES.rules[v.index].name == "ida-probe" and 0 in v.mismatched, (method, version)
    # Negative control: a padding one N short is not the worm's request either.
    short = "/default.ida?" + "N" * 223 + CODERED1[len("/default.ida?") + 224:]
    assert label(req("GET", "HTTP/1.0", short)) == "ida-probe"


@pytest.mark.parametrize("uri", CORPUS)
def test_snort_contents_agree(uri):
    """Snort sid 1256 (uricontent '/root.exe', nocase) and sid 1002 (content 'cmd.exe', nocase).

    Every request Snort flags is flagged here too, as Nimda when it is one of Nimda's 16 probes and
    as root-exe / cmd-exe otherwise; nothing without those strings gets those labels.
    """
    lab = label(uri)
    low = uri.lower()
    if "/root.exe" in low:
        assert lab in ("nimda", "root-exe")
    if "cmd.exe" in low:
        assert lab in ("nimda", "cmd-exe")
    if lab == "root-exe":
        assert "/root.exe" in low
    if lab == "cmd-exe":
        assert "cmd.exe" in low


def test_generic_probes_are_not_nimda():
    for name, uri in GENERIC.items():
        assert label(uri) == name
    assert label("/scripts/..%c0%af../winnt/system32/cmd.exe?/x") == "cmd-exe"
    assert label("/cgi-bin/root.exe?/c+dir") == "root-exe"


def test_markers_cover_every_example():
    markers = RULES.markers
    assert markers is not None
    for rule in RULES.rules:
        for ex in rule.examples:
            assert any(m.decode() in ex.lower() for m in markers), (rule.name, ex)


def test_user_rules_extend_and_replace(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[rule]]\nname = "probe-x"\nregex = "/secret-x"\nmarkers = ["secret-x"]\n'
                     'origin = "local"\nexamples = ["/secret-x/a"]\n', encoding="utf-8")
    rs = RuleSet.load(extra)
    assert rs.rules[0].name == "probe-x" and "codered1" in rs.by_name
    extra.write_text('mode = "replace"\n[[rule]]\nname = "codered1"\nregex = "default\\\\.ida"\n', encoding="utf-8")
    rs = RuleSet.load(extra)
    assert [r.name for r in rs.rules] == ["codered1"] and rs.markers is None  # no markers: full parse


@pytest.mark.parametrize("text,msg", [
    ("[[rule]]\nname = 'a b'\nregex = 'x'\n", "name must"),
    ("[[rule]]\nname = 'a'\nregex = '('\n", "bad regex"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\n[rule.fingerprint]\nmethod = 'GET'\nwhat = 1\n", "unknown key 'what'"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\n[rule.fingerprint]\nmin_steps = 2\n", "sequence rules only"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\n[rule.fingerprint]\nuri = '['\n", "bad uri regex"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\n[rule.fingerprint]\nversion = 'HTTP/1.0 x'\n", "without spaces"),
    ("[[rule]]\nname = 'a'\nregex = '(a|aa)+$'\nexamples = ['" + "a" * 40 + "b']\n", "more than"),
    ("[[rule]]\nname = 'a'\n", "exactly one of regex or sequence"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\nwhat = 1\n", "unknown key"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\nexamples = ['/y']\n", "does not match"),
    ("[[rule]]\nname = 'a'\nregex = 'x'\nmarkers = ['q']\nexamples = ['/x']\n", "none of the markers"),
    ("mode = 'merge'\n[[rule]]\nname = 'a'\nregex = 'x'\n", "mode must"),
    ("not toml [", "not valid TOML"),
])
def test_bad_rules_file(tmp_path, text, msg):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(WormcastError, match=msg) as exc:
        RuleSet.load(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.exit_code == 2
