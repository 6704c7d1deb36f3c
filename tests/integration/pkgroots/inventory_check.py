#!/usr/bin/env python3
"""Check `fleetpatch-agent inventory --json` output for a test root.

usage: inventory_check.py FILE ECOSYSTEM [--manager M]
           [--package NAME=VERSION=ARCH]... [--update NAME=OLD=NEW=SEC]...

Every --package must be among "packages" with that ecosystem; with
--update, "updates" must be exactly those (and "updates_checked" true,
"package_manager" M).  Exits 1 with the reason on a mismatch.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    path, eco = args[0], args[1]
    with open(path, encoding="utf-8") as f:
        inv = json.load(f)
    want_pkgs, want_upds, manager = [], [], None
    i = 2
    while i < len(args):
        opt, val = args[i], args[i + 1]
        if opt == "--package":
            want_pkgs.append(tuple(val.split("=")))
        elif opt == "--update":
            want_upds.append(tuple(val.split("=")))
        elif opt == "--manager":
            manager = val
        else:
            sys.exit("bad option " + opt)
        i += 2
    have = {(p["name"], p["version"], p.get("arch", ""))
            for p in inv.get("packages", []) if p.get("ecosystem") == eco}
    for name, version, arch in want_pkgs:
        if (name, version, arch) not in have:
            print("FAIL: package %s %s %s (%s) not in the inventory; it has %s"
                  % (name, version, arch, eco, sorted(have)), file=sys.stderr)
            return 1
    if manager is not None:
        if not inv.get("updates_checked") or inv.get("package_manager") != manager:
            print("FAIL: updates not checked by %s: %s" % (
                manager, {k: inv.get(k) for k in ("updates_checked", "package_manager")}),
                file=sys.stderr)
            return 1
        got = sorted((u["name"], u.get("installed_version", ""),
                      u["candidate_version"], "1" if u.get("security") else "0")
                     for u in inv.get("updates", []))
        if got != sorted(want_upds):
            print("FAIL: updates %s, want %s" % (got, sorted(want_upds)),
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
