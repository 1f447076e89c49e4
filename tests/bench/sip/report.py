#!/usr/bin/env python3
"""report.py RESULTS_DIR - the table of make bench-sip.

Reads PEER.env (key=value lines written by bench-sip.sh), PEER-load.rtt and
PEER-fixed.rtt (SIPp -trace_rtt lines: date_ms;response_ms;1) and
PEER-dump.log (uas-answer.xml's log lines, the last field SIPp's clock in ms) and
prints one line per peer with the ratios to msilo, msilo-wal and relay.
"""
import os
import sys

PEERS = ["msilo", "msilo-wal", "relay", "imstored"]


def env(path):
    d = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                d[k] = v
    return d


def rtts(path):
    """(send_ms, answer_ms, rtt_ms) per answered call"""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            p = line.strip().split(";")
            if len(p) < 2:
                continue
            try:
                date, rtt = float(p[0]), float(p[1])
            except ValueError:
                continue
            out.append((date - rtt, date, rtt))
    return out


def pct(vals, q):
    if not vals:
        return None
    v = sorted(vals)
    i = min(len(v) - 1, max(0, int(round(q / 100.0 * len(v) + 0.5)) - 1))
    return v[i]


def dump_rate(path):
    """deliveries, deliveries/s between the first and the last one"""
    ticks = []
    if not os.path.exists(path):
        return 0, None
    with open(path) as f:
        for line in f:
            if line.startswith("MESSAGE "):
                try:
                    ticks.append(int(line.rstrip("\n").rsplit("|", 1)[1]))
                except ValueError:
                    pass
    if len(ticks) < 2:
        return len(ticks), None
    span = (max(ticks) - min(ticks)) / 1000.0
    return len(ticks), (len(ticks) / span if span > 0 else None)


def num(x, fmt="{:,.0f}"):
    return "-" if x is None else fmt.format(x)


def main():
    res = sys.argv[1]
    rows = {}
    for peer in PEERS:
        p = os.path.join(res, peer + ".env")
        if not os.path.exists(p):
            continue
        e = env(p)
        load = rtts(os.path.join(res, peer + "-load.rtt"))
        fixed = rtts(os.path.join(res, peer + "-fixed.rtt"))
        r = {"env": e}
        if load:
            span = (max(a for _, a, _ in load) - min(s for s, _, _ in load)) / 1000.0
            stored = int(e.get("distinct", e.get("stored", "0")) or 0)
            r["stored"] = stored
            r["rate"] = stored / span if span > 0 else None
            r["span"] = span
            r["p50"] = pct([t for _, _, t in load], 50)
            r["p99"] = pct([t for _, _, t in load], 99)
        r["fixed_p99"] = pct([t for _, _, t in fixed], 99)
        r["fixed_answered"] = len(fixed)
        n, rate = dump_rate(os.path.join(res, peer + "-dump.log"))
        r["dump_n"], r["dump_rate"] = n, rate
        if "kam_cpu_ms" in e and r.get("stored"):
            r["kam_us"] = int(e["kam_cpu_ms"]) * 1000.0 / int(e["n"])
        if "peer_cpu_ms" in e and r.get("stored"):
            r["peer_us"] = int(e["peer_cpu_ms"]) * 1000.0 / int(e["n"])
        rows[peer] = r

    hdr = ("peer", "sent", "202", "stored", "dup", "stored/s", "p50 ms", "p99 ms",
           "p99@1000/s", "answered@1000/s", "dump/s", "kam us/msg", "peer us/msg")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for peer in PEERS:
        if peer not in rows:
            continue
        r, e = rows[peer], rows[peer]["env"]
        dup = None
        if "stored" in e and "distinct" in e:
            dup = int(e["stored"]) - int(e["distinct"])
        dump = "-"
        if r["dump_rate"] is not None:
            dump = "{:,.0f} ({} msgs)".format(r["dump_rate"], r["dump_n"])
        print("| " + " | ".join([
            peer, e.get("n", "-"), e.get("load_202", "-"), num(r.get("stored")),
            num(dup), num(r.get("rate")), num(r.get("p50"), "{:.0f}"),
            num(r.get("p99"), "{:.0f}"), num(r.get("fixed_p99"), "{:,.0f}"),
            "{}/{}".format(r["fixed_answered"], e.get("nfix", "-")), dump,
            num(r.get("kam_us")), num(r.get("peer_us"))]) + " |")

    print()
    for peer in PEERS:
        if peer not in rows or not rows[peer].get("rate"):
            continue
        parts = []
        for base in ("msilo", "msilo-wal", "relay"):
            if base != peer and base in rows and rows[base].get("rate"):
                parts.append("{:.2f}x {}".format(rows[peer]["rate"] / rows[base]["rate"], base))
        d = rows[peer].get("dump_rate")
        if d and peer != "msilo" and "msilo" in rows and rows["msilo"].get("dump_rate"):
            parts.append("dump {:.2f}x msilo's".format(d / rows["msilo"]["dump_rate"]))
        if parts:
            print("{}: stored/s {}".format(peer, ", ".join(parts)))
    e = rows.get("msilo-wal", {}).get("env", {})
    if e.get("journal"):
        print("msilo-wal: journal_mode of the database after the load: " + e["journal"])
    if "imstored" in rows:
        e = rows["imstored"]["env"]
        print("imstored: {} stored by imstore list, {} left after the pushes".format(
            e.get("all_stored", "-"), e.get("left_after_dump", "-")))


if __name__ == "__main__":
    main()
