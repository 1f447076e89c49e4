#!/usr/bin/env python3
"""chaos.py - signal imstored while a load runs (tests/sip/T410-load.sh).

chaos.py MPORT PIDFILE SIGNAL AT ROUNDS [IMSTORED CONF LOG]

Waits (at most 60 s a round) until imstored_stored_total at
http://127.0.0.1:MPORT/metrics is at least AT, then sends SIGNAL (TERM or
KILL) to the pid in PIDFILE; with IMSTORED given, starts it again (-c CONF
-f, stderr appended to LOG), writes the new pid to PIDFILE, and waits until
it serves metrics, ROUNDS times.  A separate process, not a subshell of
the test's shell, so that the shell's traps stay the shell's."""
import os, signal, subprocess, sys, time, urllib.request

def stored(port):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=2).read()
    except OSError:
        return -1
    for line in body.decode().splitlines():
        if line.startswith("imstored_stored_total "):
            return int(line.split()[1])
    return -1

def main():
    port, pidfile, sig, at, rounds = sys.argv[1:6]
    restart = sys.argv[6:9]
    for _ in range(int(rounds)):
        deadline = time.time() + 60
        while stored(port) < int(at):
            if time.time() > deadline:
                sys.exit("chaos: imstored never stored %s" % at)
            time.sleep(0.02)
        pid = int(open(pidfile).read())
        os.kill(pid, getattr(signal, "SIG" + sig))
        if not restart:
            return
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            while os.path.exists("/proc/%d" % pid) and \
                    open("/proc/%d/stat" % pid).read().split()[2] != "Z":
                time.sleep(0.01)
        log = open(restart[2], "a")
        p = subprocess.Popen([restart[0], "-c", restart[1], "-f"], stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        open(pidfile, "w").write("%d\n" % p.pid)
        deadline = time.time() + 10
        while stored(port) < 0 and time.time() < deadline:
            time.sleep(0.02)

main()
