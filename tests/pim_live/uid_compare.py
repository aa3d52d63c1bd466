#!/usr/bin/python3
"""uid_compare.py DIR1 DIR2 [COUNT]: the items (*.ics, *.vcf) under DIR1 and DIR2, by UID.

Fails when a UID occurs twice in one folder (an item stored twice), when the two folders do not
hold the same UIDs, when an item's content differs (line endings and the order of lines aside), or
when COUNT is given and the folders do not hold exactly that many items. Prints the count.
"""
import pathlib
import sys


def items(root):
    found = {}
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.suffix not in (".ics", ".vcf") or not path.is_file() or ".Radicale" in str(path):
            continue
        # Unfolded (RFC 5545 3.1, RFC 6350 3.2): servers fold long lines where they like.
        text = path.read_text().replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
        lines = text.strip().split("\n")
        uids = [line[4:] for line in lines if line.startswith("UID:")]
        if not uids:
            sys.exit(f"{path}: no UID")
        uid = uids[0]
        if uid in found:
            sys.exit(f"{root}: UID {uid} stored twice")
        # Radicale re-serializes items (property order): compare the set of content lines.
        found[uid] = sorted(line for line in lines if not line.startswith(("DTSTAMP:", "REV:")))
    return found


first, second = items(sys.argv[1]), items(sys.argv[2])
if set(first) != set(second):
    sys.exit(f"UIDs differ: only in 1: {sorted(set(first) - set(second))[:5]}, "
             f"only in 2: {sorted(set(second) - set(first))[:5]}")
for uid, content in first.items():
    if content != second[uid]:
        sys.exit(f"UID {uid} differs:\n{str(content)[:400]}\n---\n{str(second[uid])[:400]}")
if len(sys.argv) > 3 and len(first) != int(sys.argv[3]):
    sys.exit(f"{len(first)} items, expected {sys.argv[3]}")
print(len(first))
