#!/usr/bin/env python3
"""export.py IMSTORE DIR [MESSAGES] - the export workload with the real
command: a store of MESSAGES (default 200000) text messages of 100-600
bytes built with `imstore import --from-msilo`, exported with `imstore
export`, against the gzip ceiling measured on the same archive bytes in the
same run (gzip -6 of the uncompressed tar), and the export's peak resident
memory.  Prints a table and RESULT lines like tests/bench's."""
import os, random, resource, shutil, subprocess, sys, time

imstore, d = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
os.makedirs(d, exist_ok=True)
st, tsv = os.path.join(d, "export-store"), os.path.join(d, "export.tsv")
shutil.rmtree(st, ignore_errors=True)
rnd = random.Random(1)
words = "the of and to in is you that it he was for on are as with his they at be".split()
with open(tsv, "w") as f:
    for i in range(n):
        body = " ".join(rnd.choice(words) for _ in range(rnd.randint(20, 120)))
        u = rnd.randint(1, n // 20 + 1)
        f.write("%d\tsip:s%d@x.org\tsip:u%d@y.org\tu%d\ty.org\t%d\t0\t0\ttext/plain\t%s\t\tc%d\t0\n"
                % (i, rnd.randint(1, 9999), u, u, 1764700000 + i, body, i))


def run(args, stdout=subprocess.DEVNULL):
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=stdout)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        sys.exit("export.py: %s failed" % args[1])
    return time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


subprocess.run([imstore, "--store", st, "init"], check=True, stdout=subprocess.DEVNULL)
t_imp, _, _ = run([imstore, "--store", st, "import", "--from-msilo", "tabs", tsv])
arc = os.path.join(d, "export.tar.gz")
t_exp, cpu_exp, rss = run([imstore, "--store", st, "export", "--force", "-o", arc])
tar = os.path.join(d, "export.tar")
with open(tar, "wb") as f:
    subprocess.run(["gzip", "-dc", arc], stdout=f, check=True)
with open(tar, "rb") as f:
    t0 = time.monotonic()
    g = subprocess.Popen(["gzip", "-6", "-c"], stdin=f, stdout=subprocess.DEVNULL)
    _, _, ru = os.wait4(g.pid, 0)
    t_gz, cpu_gz = time.monotonic() - t0, ru.ru_utime + ru.ru_stime
size = os.path.getsize(tar) / 1e6
print("export of %d messages: import %.1f s (%.0f msg/s); export %.2f s, %.2f s CPU, "
      "%.1f MB/s of archive; gzip -6 of the same %.1f MB: %.2f s, %.2f s CPU; peak RSS %.1f MiB"
      % (n, t_imp, n / t_imp, t_exp, cpu_exp, size / t_exp, size, t_gz, cpu_gz, rss / 1024))
print("RESULT export_cmd imstore=%.1f gzip=%.1f unit=MB/s ratio=%.2f"
      % (size / t_exp, size / t_gz, t_gz / t_exp))
print("RESULT export_cmd_cpu imstore=%.2f gzip=%.2f unit=s ratio=%.2f" % (cpu_exp, cpu_gz, cpu_gz / cpu_exp))
print("RESULT export_cmd_rss imstore=%.1f limit=64 unit=MiB" % (rss / 1024))
print("RESULT bulk_import imstore=%.0f unit=msg/s" % (n / t_imp))
os.remove(tar)
