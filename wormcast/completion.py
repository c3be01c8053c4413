"""Shell completion scripts generated from the argparse parser (``wormcast completion bash|zsh``).

The script is written out from the parser as it stands, so a new sub-command or option completes without
editing this file: sub-command names, each command's options, the choices of options and positionals, the
preset names where a SCENARIO is asked for (and .toml files), directories for DIR and files elsewhere.
zsh gets the same function through zsh's bashcompinit.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh")


@dataclass
class _Command:
    """What to offer after one sub-command path (e.g. ``presets show``)."""

    path: tuple[str, ...]
    options: list[str] = field(default_factory=list)
    valued: dict[str, str] = field(default_factory=dict)  # option -> compgen arguments for its value
    words: list[str] = field(default_factory=list)  # positional words: sub-commands, choices, presets
    files: str = ""  # compgen arguments for a positional: files (-f), .toml files or directories (-d)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _value_words(action: argparse.Action, presets: list[str]) -> str:
    if action.choices:
        return "-W " + shlex.quote(" ".join(map(str, action.choices)))
    meta = str(action.metavar or action.dest).upper()
    if meta in ("DIR", "OUT"):
        return "-d"
    if meta in ("SCENARIO", "PRESET"):
        return "-W " + shlex.quote(" ".join(presets))
    if meta in ("FILE", "RULES", "POINTS") or action.dest in ("rules", "points"):
        return "-f"
    return ""  # a number, a duration, KEY=VALUE: nothing sensible to offer


def _commands(parser, presets, path=()) -> list[_Command]:
    cmd = _Command(path)
    subs = _subparsers(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            cmd.words += list(subs)
        elif action.option_strings:
            cmd.options += action.option_strings
            if action.nargs != 0:
                for opt in action.option_strings:
                    cmd.valued[opt] = _value_words(action, presets)
        else:
            words = _value_words(action, presets)
            meta = str(action.metavar or action.dest).upper()
            if words.startswith("-W"):
                cmd.words += shlex.split(words[3:])[0].split()
            if meta == "SCENARIO":
                cmd.files = "-f -X '!*.toml'"  # a preset name or a TOML file
            elif words in ("-d", "-f") or not words:
                cmd.files = words or "-f"
    out = [cmd]
    for name, sub in subs.items():
        out += _commands(sub, presets, path + (name,))
    return out


def bash_script(parser: argparse.ArgumentParser, presets: list[str]) -> str:
    prog = parser.prog
    fn = "_" + prog.replace("-", "_") + "_complete"
    cases = []
    for cmd in _commands(parser, presets):
        key = " ".join(cmd.path)
        valued = "".join(
            f"            {shlex.quote(opt)}) COMPREPLY=($(compgen {how} -- \"$cur\")); return;;\n" if how else
            f"            {shlex.quote(opt)}) return;;\n" for opt, how in cmd.valued.items())
        words = shlex.quote(" ".join(cmd.words))
        files = f' $(compgen {cmd.files} -- "$cur")' if cmd.files else ""
        label = shlex.quote(key) if key else '""'
        cases.append(
            f"        {label})\n"
            f"            case \"$prev\" in\n{valued}            esac\n"
            f"            if [[ \"$cur\" == -* ]]; then\n"
            f"                COMPREPLY=($(compgen -W {shlex.quote(' '.join(cmd.options))} -- \"$cur\"))\n"
            f"            else\n"
            f"                COMPREPLY=($(compgen -W {words} -- \"$cur\"){files})\n"
            f"            fi;;\n")
    # The sub-command path: the words before the cursor that name sub-commands, option values skipped.
    known = sorted({" ".join(c.path) for c in _commands(parser, presets) if c.path})
    valued_all = sorted({opt for c in _commands(parser, presets) for opt in c.valued})
    return f"""# {prog} completion for bash, generated from its parser by `{prog} completion bash`.
# Use: eval "$({prog} completion bash)"   (or save it in ~/.local/share/bash-completion/completions/{prog})
{fn}() {{
    local cur prev path word i skip=0
    COMPREPLY=()
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    path=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        if ((skip)); then skip=0; continue; fi
        case " {' '.join(valued_all)} " in *" $word "*) skip=1; continue;; esac
        case "|{'|'.join(known)}|" in *"|${{path:+$path }}$word|"*) path="${{path:+$path }}$word";; esac
    done
    case "$path" in
{''.join(cases)}    esac
}}
complete -o filenames -F {fn} {prog}
"""


def zsh_script(parser: argparse.ArgumentParser, presets: list[str]) -> str:
    return (f"#compdef {parser.prog}\n# {parser.prog} completion for zsh (the bash function through zsh's "
            f"bashcompinit).\n# Use: eval \"$({parser.prog} completion zsh)\" in ~/.zshrc\n"
            "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"
            + bash_script(parser, presets))


def script(shell: str, parser: argparse.ArgumentParser, presets: list[str]) -> str:
    return {"bash": bash_script, "zsh": zsh_script}[shell](parser, presets)
