#!/usr/bin/python3 -I
# SPDX-License-Identifier: GPL-2.0-or-later
"""Lists the standard library files a test VM's python3 needs.

usage: python-files.py SOURCE...

Reads the import statements of each SOURCE (a Python file, or a shell
script with `python3 -c '...'` snippets in it), starts this interpreter
once with `-X importtime` importing all of them, and prints, one a line,
every file of the standard library that start-up and those imports
loaded: .py sources with their compiled .pyc where the host has one, and
extension modules from lib-dynload. Measured rather than guessed: a
module imported lazily (inside a function) is not listed; the VM then
fails with a plain ModuleNotFoundError naming it, and the test that wants
it should import it at the top.
"""
import importlib.util
import os
import re
import subprocess
import sys
import sysconfig

IMPORT = re.compile(r'''(?:^|-c[ \t]+['"])[ \t]*import[ \t]+([\w., \t]+)''', re.M)
FROM = re.compile(r'^[ \t]*from[ \t]+([\w.]+)[ \t]+import\b', re.M)

# Needed whatever the tests import: the landmark getpath looks for to
# find the prefix, and the codecs start-up may want in a C or UTF-8 locale.
BASE = ["os", "encodings.utf_8", "encodings.ascii", "encodings.latin_1"]


def imported_names(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    names = set()
    for m in IMPORT.finditer(text):
        for part in m.group(1).split(","):
            words = part.split()
            if words:
                names.add(words[0])
    names.update(m.group(1) for m in FROM.finditer(text))
    # relative imports and words that only look like statements
    return {n for n in names if re.fullmatch(r'[A-Za-z_]\w*(\.\w+)*', n)}


def stdlib_dirs():
    dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    dirs |= {os.path.join(d, "lib-dynload") for d in set(dirs)}
    return sorted({os.path.realpath(d) for d in dirs}, key=len, reverse=True)


def in_stdlib(path, dirs):
    real = os.path.realpath(path)
    return any(real.startswith(d + os.sep) for d in dirs) and \
        "-packages" + os.sep not in real


def main():
    wanted = set()
    for src in sys.argv[1:]:
        wanted |= imported_names(src)
    # only what this interpreter has: a typo in a test is the test's business
    found = []
    for name in sorted(wanted):
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            pass
    code = "import " + ", ".join(BASE + found)
    res = subprocess.run([sys.executable, "-I", "-X", "importtime", "-c", code],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, check=False)
    if res.returncode != 0:
        sys.exit("python-files.py: '%s' failed:\n%s" % (code, res.stderr))
    loaded = set()
    for line in res.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                loaded.add(name)

    dirs = stdlib_dirs()
    files = set()
    for name in sorted(loaded):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        # frozen modules run without their file, but tracebacks and the
        # prefix landmark (os.py) read it
        origin = spec.origin
        if origin in ("frozen", "built-in") or origin is None:
            origin = getattr(spec.loader_state, "filename", None) if spec.loader_state else None
            if origin is None:
                continue
        if not os.path.isfile(origin) or not in_stdlib(origin, dirs):
            continue
        files.add(origin)
        if origin.endswith(".py"):
            cached = importlib.util.cache_from_source(origin)
            if os.path.isfile(cached):
                files.add(cached)
    for f in sorted(files):
        print(f)


if __name__ == "__main__":
    main()
