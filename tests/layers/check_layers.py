#!/usr/bin/env python3
"""Fails when a source file includes a header its layer may not see (docs/architecture.md).

Every quoted include is a path from the source root, so the layer of both ends is the start of
the path. The rules are the table in docs/architecture.md, "Layers"; this script holds the same
table and the test compares them, so the docs cannot drift from what is enforced."""
import os
import re
import sys

# layer prefix -> prefixes it may include (besides itself). Longest prefix wins.
RULES = {
    "base/": [],
    "protocol/": ["base/"],
    "card/runtime/": ["base/", "protocol/"],
    "card/": ["base/", "protocol/", "card/runtime/"],
    "host/": ["base/", "protocol/"],
    # The one door from the host to the card OS: an applet run in the caller's process.
    "host/pcsc_bridge/in_process_transport.hpp": ["base/", "protocol/", "host/", "card/runtime/"],
    "tools/": ["base/", "protocol/", "card/", "host/", "tools/", "tests/support/"],
    "tests/": ["base/", "protocol/", "card/", "host/", "tools/", "tests/"],
}
# Inside host/, a folder may include any host folder: their order is the meson subdir order
# (no cycles: the linker would refuse them); the wings of host/home_server have their own rule
# in host/home_server/README.md.


def layer_of(path):
    best = None
    for prefix in RULES:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def docs_disagree(root):
    """Each rule is a row of docs/architecture.md's layer table naming the same prefixes."""
    rows = {}
    for line in open(os.path.join(root, "docs", "architecture.md")):
        m = re.match(r"\|\s*`([^`]+)`\s*\|([^|]*)\|", line)
        if m:
            rows[m.group(1)] = set(re.findall(r"`([^`]+)`", m.group(2)))
    out = []
    for prefix, allowed in RULES.items():
        if prefix not in rows:
            out.append(f"docs/architecture.md: no row for `{prefix}` in the layer table")
        elif rows[prefix] != set(allowed):
            out.append(f"docs/architecture.md: `{prefix}` may include {sorted(allowed)} "
                       f"(check_layers.py), the docs say {sorted(rows[prefix])}")
    return out


def main(root):
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    problems = []
    checked = 0
    for top in ("base", "protocol", "card", "host", "tools", "tests"):
        for folder, _, names in os.walk(os.path.join(root, top)):
            if "/corpus" in folder:
                continue
            for name in names:
                if not name.endswith((".cpp", ".hpp", ".h")):
                    continue
                path = os.path.relpath(os.path.join(folder, name), root)
                layer = layer_of(path)
                if layer is None:
                    continue
                own = layer if layer.endswith("/") else os.path.dirname(layer) + "/"
                allowed = [own] + RULES[layer]
                if layer == "host/pcsc_bridge/in_process_transport.hpp":
                    allowed = RULES[layer]
                for target in include.findall(open(os.path.join(root, path)).read()):
                    checked += 1
                    if "/" not in target:
                        problems.append(f"{path}: \"{target}\" is not a path from the source root")
                    elif not any(target.startswith(p) for p in allowed):
                        problems.append(f"{path}: includes {target}, outside its layer ({layer})")
    problems += docs_disagree(root)
    for p in problems:
        print(p)
    print(f"layers: {checked} includes checked, {len(problems)} outside their layer")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
