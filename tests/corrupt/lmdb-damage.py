#!/usr/bin/env python3
"""lmdb-damage.py FILE ACTION [ARGS]: damage an LMDB file (data format 1,
little-endian, 64-bit) the way a failing disk or a stray write would, for
the structural tests of imstore verify (tests/cli/T206-structure.sh).

Actions (DB is a named database of the store: msg, body, ix_owner...):
  inflate DB      the first value of DB's first leaf claims 64 MiB more
  child DB        the second child of DB's root (a branch page) points
                  past the end of the file
  dupflag DB      the first node of DB's first leaf is flagged as holding
                  duplicates (a sub-page), which no database of ours has
  overlap DB      the second node of DB's first leaf starts where the
                  first one does
  flips SEED N    N random bit flips anywhere after the two meta pages
Prints what it changed.  The layout facts are LMDB 0.9's (mdb.c)."""
import random
import struct
import sys

HDR, NODE = 16, 8
P_BRANCH, P_LEAF = 1, 2


class File:
    def __init__(self, path):
        self.path = path
        self.data = bytearray(open(path, "rb").read())
        self.psize = struct.unpack_from("<I", self.data, HDR + 24)[0]
        metas = [self.meta(i) for i in (0, 1)]
        self.cur = max(metas, key=lambda m: m["txnid"])

    def meta(self, i):
        base = i * self.psize + HDR
        main = struct.unpack_from("<IHHQQQQQ", self.data, base + 72)
        txnid = struct.unpack_from("<Q", self.data, base + 128)[0]
        return {"root": main[7], "txnid": txnid}

    def page(self, pgno):
        return pgno * self.psize

    def nodes(self, pgno):
        p = self.page(pgno)
        lower = struct.unpack_from("<H", self.data, p + 12)[0]
        return [p + struct.unpack_from("<H", self.data, p + HDR + 2 * i)[0]
                for i in range((lower - HDR) // 2)]

    def flags(self, pgno):
        return struct.unpack_from("<H", self.data, self.page(pgno) + 10)[0]

    def child(self, node):
        lo, hi, fl = struct.unpack_from("<HHH", self.data, node)
        return lo | hi << 16 | fl << 32

    def first_leaf(self, pgno):
        while self.flags(pgno) & P_BRANCH:
            pgno = self.child(self.nodes(pgno)[0])
        return pgno

    def db_root(self, name):
        leaf = self.first_leaf(self.cur["root"])
        for n in self.nodes(leaf):
            ks = struct.unpack_from("<H", self.data, n + 6)[0]
            if bytes(self.data[n + NODE:n + NODE + ks]) == name.encode():
                return struct.unpack_from("<Q", self.data, n + NODE + ks + 40)[0]
        sys.exit("no database '%s'" % name)

    def save(self):
        open(self.path, "r+b").write(self.data)


def main():
    f = File(sys.argv[1])
    act = sys.argv[2]
    if act == "flips":
        rnd = random.Random(int(sys.argv[3]))
        for _ in range(int(sys.argv[4])):
            off = rnd.randrange(2 * f.psize, len(f.data))
            f.data[off] ^= 1 << rnd.randrange(8)
        f.save()
        return
    root = f.db_root(sys.argv[3])
    leaf = f.first_leaf(root)
    n = f.nodes(leaf)
    if act == "inflate":
        struct.pack_into("<H", f.data, n[0] + 2, struct.unpack_from("<H", f.data, n[0] + 2)[0] + 0x400)
        ks = struct.unpack_from("<H", f.data, n[0] + 6)[0]
        print(bytes(f.data[n[0] + NODE:n[0] + NODE + ks]).hex())
    elif act == "child":
        if not f.flags(root) & P_BRANCH:
            sys.exit("the root of '%s' is not a branch page" % sys.argv[3])
        node = f.nodes(root)[1]
        far = len(f.data) // f.psize + 1000
        struct.pack_into("<HHH", f.data, node, far & 0xffff, far >> 16 & 0xffff, far >> 32)
        print(far)
    elif act == "dupflag":
        struct.pack_into("<H", f.data, n[0] + 4, struct.unpack_from("<H", f.data, n[0] + 4)[0] | 4)
        print(leaf)
    elif act == "overlap":
        struct.pack_into("<H", f.data, f.page(leaf) + HDR + 2,
                         struct.unpack_from("<H", f.data, f.page(leaf) + HDR)[0])
        print(leaf)
    else:
        sys.exit("unknown action '%s'" % act)
    f.save()


main()
