#!/usr/bin/env python3
"""standby_trace.py CSV HOME_TRACE TSHOP_TRACE HSHOP_TRACE: where a stand-by run's time goes.

run_standby_bench.sh --trace has each delay relay log every chunk it reads ("trace CONNECTION
up|down SENT_MS BYTES ARRIVES_MS", CLOCK_MONOTONIC ms) and a "mark MS" line each time the script
reads its byte counter: once before and once after every run, in the order of the CSV's rows.
For the last run of each row (profile, mode) this prints every chunk on the links, times in ms
from just before the command started (a chunk "sent" at the relay's --syn-rtt release time,
so a connection's first one shows after its TCP handshake's round trip), and counts on the terminal's links (home = terminal <-> home server, tshop =
terminal <-> shop): the TCP connections (each costs a round trip before its first byte: the
relays' --syn-rtt) and the request flights (an up chunk sent after a down chunk arrived: the
terminal waited for an answer; counted when an answer arrives before the command ended). Round trips the command waited
for ~= connections + answered flights.
"""
import csv
import sys


def read_trace(path, link):
    marks, chunks = [], []
    generation = 0  # a "start" line: the relay was started again, its numbering too
    for line in open(path):
        words = line.split()
        if words[:1] == ["start"]:
            generation += 1
        elif words[:1] == ["mark"]:
            marks.append(float(words[1]))
        elif words[:1] == ["trace"]:
            chunks.append({"link": link, "conn": (generation, int(words[1])), "dir": words[2],
                           "sent": float(words[3]), "bytes": int(words[4]),
                           "arrives": float(words[5])})
    return marks, chunks


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    traces = {name: read_trace(path, name)
              for name, path in zip(("home", "tshop", "hshop"), sys.argv[2:5])}
    first_seen = {}
    for _, (_, cs) in traces.items():
        for c in cs:
            key = (c["link"], c["conn"])
            first_seen[key] = min(first_seen.get(key, c["sent"]), c["sent"])
    # Each relay's marks: two per CSV row, in order (the relays of a profile only see its rows,
    # but the trace files are appended across profiles, so all rows count).
    last = {}
    for index, row in enumerate(rows):
        last[(row["profile"], row["mode"])] = (index, row)
    for (profile, mode), (index, row) in last.items():
        begin = traces["home"][0][2 * index]
        end = traces["hshop"][0][2 * index + 1]
        chunks = sorted((c for _, (_, cs) in traces.items() for c in cs
                         if begin <= c["sent"] <= end), key=lambda c: c["sent"])
        print("== %s %s, run %s: %s ms stand-by" % (profile, mode, row["run"], row["ms"]))
        if not chunks:
            print("   (no traffic)")
            continue
        origin = begin  # just before the command was started
        terminal = [c for c in chunks if c["link"] != "hshop"]
        # New connections only: one the agent holds (its channel) was opened before the run.
        connections = {(c["link"], c["conn"]) for c in terminal
                       if first_seen[(c["link"], c["conn"])] >= begin}
        # Flights: the first up chunk, and every up chunk sent after a down chunk arrived.
        # Only flights that a down chunk answers later are waits (a last close_notify is not).
        flights = []
        last_down_arrival = None
        for c in terminal:
            if c["dir"] == "down":
                last_down_arrival = c["arrives"] if last_down_arrival is None else max(
                    last_down_arrival, c["arrives"])
            elif not flights or (last_down_arrival is not None and
                                 c["sent"] + 0.5 >= last_down_arrival > flights[-1]):
                flights.append(c["sent"])
        # Answered before the command ended (its exit does not wait for the channel's close).
        # 15 ms: the marks and the clock of the script differ by a few ms; the answer to the
        # channel's close comes a round trip (>= 20 ms here) after the exit.
        command_end = begin + float(row["ms"]) + 15.0
        waits = sum(1 for f in flights
                    if any(c["dir"] == "down" and c["sent"] > f and c["arrives"] <= command_end
                           for c in terminal))
        for c in chunks:
            print("   %8.1f  %-5s #%-3d %-4s %6d B  arrives %8.1f" % (
                c["sent"] - origin, c["link"], c["conn"][1], c["dir"], c["bytes"],
                c["arrives"] - origin))
        print("   terminal links: %d new TCP connection(s) + %d answered request flight(s) = "
              "~%d round trips" % (len(connections), waits, len(connections) + waits))
        print()


if __name__ == "__main__":
    main()
