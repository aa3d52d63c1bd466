#!/usr/bin/env python3
"""Fails when a source file includes a header its layer may not see, or declares a top-level
namespace its folder does not name (docs/architecture.md, "Layers" and "Namespaces").

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


def folder_namespace(path):
    """The namespace rule of docs/architecture.md, "Namespaces": `hp::` + the component's folder,
    host/ and tools/ dropped, a component's sub-folders sharing its namespace."""
    parts = path.split("/")
    if parts[0] == "base":
        return "hp::base"
    if len(parts) < 3:
        return None
    if parts[0] in ("protocol", "card"):
        return f"hp::{parts[0]}::{parts[1]}"
    if parts[0] in ("host", "tools"):
        return f"hp::{parts[1]}"
    return None


def top_namespaces(text):
    """Names of the namespace blocks at file scope (comments and strings ignored)."""
    text = re.sub(r'//[^\n]*|/\*.*?\*/|R"(\w*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', " ",
                  text, flags=re.S)
    names, depth, i = [], 0, 0
    opener = re.compile(r"namespace\s+([A-Za-z_][\w:]*)?\s*\{")
    while i < len(text):
        if depth == 0:
            m = opener.match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")):
                names.append((m.group(1) or "", text[m.end():text.find("}", m.end())]))
                depth, i = 1, m.end()
                continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return names


# base/ headers may reopen `hp` for one thing only: making the vocabulary visible everywhere.
BASE_DIRECTIVE = re.compile(r"^\s*using namespace base;\s*$")


def namespace_problems(path, text, components):
    out = []
    want = folder_namespace(path)
    for name, body in top_namespaces(text):
        if name == "" or not name.startswith("hp"):
            continue  # anonymous namespaces and third-party specialisations
        if path.startswith("base/") and name == "hp" and BASE_DIRECTIVE.match(body):
            continue
        if path.startswith("tests/"):
            # tests reopen the component they test (hp::home_server, hp::card::runtime::test)
            # or use their own hp::test / hp::X::test
            ok = name == "hp::test" or name.endswith("::test") or any(
                name == c or name.startswith(c + "::") for c in components)
        else:
            ok = want is not None and (name == want or name.startswith(want + "::"))
        if not ok:
            out.append(f"{path}: namespace {name} does not match its folder "
                       f"(want {want or 'a component namespace, hp::test or hp::X::test'})")
    return out


def namespace_rule_can_fail():
    """The checker's own test: a wrong namespace is reported, the right ones are not."""
    bad = [("host/tls_proxy/x.cpp", "namespace hp::tls {\n}  // namespace hp::tls\n"),
           ("card/runtime/x.hpp", "namespace hp::card {\nclass X;\n}\n"),
           ("base/x.hpp", "namespace hp {\nusing Bytes = int;\n}\n"),
           ("host/home_server/purse/x.cpp", "namespace hp::home {\n}\n"),
           ("tests/x/y.cpp", "namespace hp::home {\n}\n")]
    good = [("host/tls_proxy/x.cpp", "namespace hp::tls_proxy::detail {\nnamespace {\n}\n}\n"),
            ("host/home_server/purse/x.cpp", "// namespace hp::home {\nnamespace hp::home_server {\n}\n"),
            ("base/x.hpp", "namespace hp::base {\n}\nnamespace hp {\nusing namespace base;\n}\n"),
            ("tests/x/y.cpp", "namespace hp::home_server::test {\n}\n")]
    comps = {"hp::home_server"}
    out = [f"self-test: {p} passed" for p, t in bad if not namespace_problems(p, t, comps)]
    out += [f"self-test: {p} failed: {namespace_problems(p, t, comps)}" for p, t in good
            if namespace_problems(p, t, comps)]
    return out


def main(root):
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    problems = []
    checked = 0
    namespaces = 0
    sources = []
    for top in ("base", "protocol", "card", "host", "tools", "tests"):
        for folder, _, names in os.walk(os.path.join(root, top)):
            if "/corpus" in folder:
                continue
            for name in names:
                if not name.endswith((".cpp", ".hpp", ".h")):
                    continue
                path = os.path.relpath(os.path.join(folder, name), root)
                sources.append(path)
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
    components = {folder_namespace(p) for p in sources} - {None}
    for path in sources:
        text = open(os.path.join(root, path)).read()
        namespaces += len(top_namespaces(text))
        problems += namespace_problems(path, text, components)
    problems += namespace_rule_can_fail()
    problems += docs_disagree(root)
    for p in problems:
        print(p)
    print(f"layers: {checked} includes and {namespaces} namespace blocks checked, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
