#!/usr/bin/env python3
"""make-corpus.py - write the hostile-archive corpus of imstore import and
verify-archive (tests/cli/T200-export.sh replays it).  Each file NAME.EXT
comes with NAME.expect, a fragment of the error imstore must give.
Run from anywhere: python3 tests/corpus/archive/make-corpus.py"""
import gzip, hashlib, io, os, tarfile, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ID = "01M8W5D8EDVXPNXX2361WX5F2Z"
MSG = "messages/%s.txt" % ID


def tar(name, members, mode="w"):
    with tarfile.open(os.path.join(HERE, name), mode, format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)


def reg(path, data, mode=0o600):
    i = tarfile.TarInfo(path)
    i.size, i.mode, i.mtime = len(data), mode, 1764700000
    return i, data


def special(path, kind, target=""):
    i = tarfile.TarInfo(path)
    i.type, i.linkname, i.mode, i.mtime = kind, target, 0o600, 1764700000
    if kind == tarfile.CHRTYPE:
        i.devmajor, i.devminor = 1, 3
    return i, None


def expect(name, text):
    with open(os.path.join(HERE, name + ".expect"), "w") as f:
        f.write(text + "\n")


tar("zip-slip.tar", [reg("../../tmp/imstore-evil", b"owned")])
expect("zip-slip", "unexpected entry '../../tmp/imstore-evil'")
tar("absolute.tar", [reg("/tmp/imstore-evil", b"owned")])
expect("absolute", "unexpected entry '/tmp/imstore-evil'")
tar("symlink.tar", [special(MSG, tarfile.SYMTYPE, "/etc/passwd"),
                    reg(MSG + "/x", b"through the link")])
expect("symlink", "link entry '%s'" % MSG)
tar("hardlink.tar", [reg("messages/01M8W5D8EV5X7ATQDYD4PJWJ07.txt", b"a"),
                     special(MSG, tarfile.LNKTYPE, "messages/01M8W5D8EV5X7ATQDYD4PJWJ07.txt")])
expect("hardlink", "link entry '%s'" % MSG)
tar("device.tar", [special(MSG, tarfile.CHRTYPE)])
expect("device", "is not a regular file")
tar("setuid.tar", [reg(MSG, b"#!/bin/sh\n", 0o4755)])
expect("setuid", "setuid, setgid or sticky bits")
tar("unexpected.tar", [reg("evil.sh", b"rm -rf /\n")])
expect("unexpected", "unexpected entry 'evil.sh'")
tar("directory.tar", [special("messages", tarfile.DIRTYPE)])
expect("directory", "is not a regular file")

# bombs: 64 MiB of zeros whose headers tell the truth; the ratio gives them away
zeros = b"\0" * (64 << 20)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    i, _ = reg(MSG, zeros)
    t.addfile(i, io.BytesIO(zeros))
with open(os.path.join(HERE, "gzip-bomb.tar.gz"), "wb") as f:
    f.write(gzip.compress(buf.getvalue(), 9, mtime=0))
expect("gzip-bomb", "compression ratio over")
with zipfile.ZipFile(os.path.join(HERE, "zip-bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo(MSG, (2025, 12, 2, 0, 0, 0)), zeros, zipfile.ZIP_DEFLATED, 9)
expect("zip-bomb", "compression ratio over")
with zipfile.ZipFile(os.path.join(HERE, "zip-slip.zip"), "w") as z:
    z.writestr("../../tmp/imstore-evil", b"owned")
expect("zip-slip-zip", "unexpected entry '../../tmp/imstore-evil'")
os.rename(os.path.join(HERE, "zip-slip-zip.expect"), os.path.join(HERE, "zip-slip.zip.expect"))

# a RAR (signature and a block): only tar and zip are read
with open(os.path.join(HERE, "archive.rar"), "wb") as f:
    f.write(b"Rar!\x1a\x07\x00" + bytes(range(64)))
expect("archive", "not a tar or zip archive")

# a manifest with a DOCTYPE (billion laughs), its sums right
lol = (b'<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY a "lol">'
       b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
       b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>\n'
       b'<manifest xmlns="urn:imstore:xml:export:1" version="1"><export tool="x" layout="raw"'
       b' time="2026-01-01T00:00:00Z"><store>&e;&e;&e;&e;</store><filter/></export>'
       b'<counts messages="0" bytes="0" transcripts="0"/></manifest>\n')
sums = ("%s  manifest.xml\n" % hashlib.sha256(lol).hexdigest()).encode()
tar("doctype.tar", [reg("manifest.xml", lol), reg("SHA256SUMS", sums)])
expect("doctype", "DOCTYPE")

# manifests in other encodings, their sums right: UTF-7 spells the DOCTYPE's
# "<!" as "+ADwAIQ-", UTF-16 puts NULs between its bytes, so neither shows
# a "<!DOCTYPE" to a byte search; only UTF-8 is read
body = ('<!DOCTYPE manifest [<!ENTITY a "lol">]>\n'
        '<manifest xmlns="urn:imstore:xml:export:1" version="1"><export tool="x" layout="raw"'
        ' time="2026-01-01T00:00:00Z"><store>&a;</store><filter/></export>'
        '<counts messages="0" bytes="0" transcripts="0"/></manifest>\n')
for name, data in (
        ("utf7-doctype", b'<?xml version="1.0" encoding="UTF-7"?>\n' +
         body.replace("<!", "+ADwAIQ-").encode("ascii")),
        ("utf16-doctype", ('<?xml version="1.0" encoding="UTF-16"?>\n' + body).encode("utf-16")),
        ("ebcdic-doctype", ('<?xml version="1.0" encoding="IBM037"?>\n' + body).encode("cp037"))):
    sums = ("%s  manifest.xml\n" % hashlib.sha256(data).hexdigest()).encode()
    tar(name + ".tar", [reg("manifest.xml", data), reg("SHA256SUMS", sums)])
    expect(name, "only UTF-8 documents are accepted")

# a message without <from>: verify-archive must not pass what import refuses
body = b"hello"
digest = hashlib.sha256(body).hexdigest()
mf = ('<?xml version="1.0" encoding="UTF-8"?>\n'
      '<manifest xmlns="urn:imstore:xml:export:1" version="1"><export tool="x" layout="raw"'
      ' time="2026-01-01T00:00:00Z"><store>s</store><filter/></export>'
      '<message id="%s" file="%s" sha256="%s" size="5" folder="deferred" mode="pager"'
      ' state="pending"><owner>sip:bob@example.com</owner><message-id>m1</message-id>'
      '<received>2026-01-01T00:00:00Z</received></message>'
      '<counts messages="1" bytes="5" transcripts="0"/></manifest>\n' % (ID, MSG, digest)).encode()
sums = ("%s  %s\n%s  manifest.xml\n" % (digest, MSG, hashlib.sha256(mf).hexdigest())).encode()
tar("no-from.tar", [reg(MSG, body), reg("manifest.xml", mf), reg("SHA256SUMS", sums)])
expect("no-from", "no owner, from, message-id or received time")

# member names that readers could read two ways (issue 21): a valid
# one-message archive, then the same with its message's header changed, so
# that only the name (or extent) is refused; libarchive alone would read
# each as the valid archive
mf = mf.replace(b"<message-id>", b'<from uri="sip:alice@example.com"/><message-id>')
sums = ("%s  %s\n%s  manifest.xml\n" % (digest, MSG, hashlib.sha256(mf).hexdigest())).encode()


def valid(first):
    """The valid archive's members, the first one's TarInfo passed through first."""
    m, b = reg(MSG, body)
    return [(first(m), b), reg("manifest.xml", mf), reg("SHA256SUMS", sums)]


def pax(**h):
    def f(m):
        m.pax_headers = dict(h)
        return m
    return f


def renamed(name):
    def f(m):
        m.name = name
        return m
    return f


tar("names-valid.tar", valid(lambda m: m))
os.rename(os.path.join(HERE, "names-valid.tar"),
          os.path.join(HERE, "..", "..", "fuzz", "corpus", "archive", "names-valid.tar"))
tar("names-pax-nul.tar", valid(pax(path=MSG + "\0/../../../tmp/imstore-evil")))
expect("names-pax-nul", "has the pax path '%s\\x00/../../../tmp/imstore-evil'" % MSG)
tar("names-pax-other.tar", valid(lambda m: pax(path=MSG)(renamed("evil.sh")(m))))
expect("names-pax-other", "tar member 'evil.sh' has the pax path '%s'" % MSG)
tar("names-pax-size.tar", valid(pax(size=str(len(body) + 512))))
expect("names-pax-size", "has a pax size other than its ustar size")
tar("names-pax-global.tar", [reg(MSG, body)])
with tarfile.open(os.path.join(HERE, "names-pax-global.tar"), "w", format=tarfile.PAX_FORMAT,
                  pax_headers={"path": MSG}) as t:
    for info, data in valid(lambda m: m):
        t.addfile(info, io.BytesIO(data))
expect("names-pax-global", "a global pax header that sets a member's name")
tar("names-pax-binary.tar", valid(pax(hdrcharset="BINARY", path=MSG)))
expect("names-pax-binary", "names are not UTF-8")
with tarfile.open(os.path.join(HERE, "names-gnu-long.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    for info, data in valid(renamed(MSG + "/" + "x" * 100)):
        t.addfile(info, io.BytesIO(data))
expect("names-gnu-long", "has the GNU long name")
with tarfile.open(os.path.join(HERE, "names-prefix.tar"), "w", format=tarfile.USTAR_FORMAT) as t:
    for info, data in valid(renamed("messages/" + "p" * 100 + "/../" + MSG[9:])):
        t.addfile(info, io.BytesIO(data))
expect("names-prefix", "split between the ustar prefix and name fields")
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    for info, data in valid(lambda m: m):
        t.addfile(info, io.BytesIO(data))
with open(os.path.join(HERE, "names-after-end.tar"), "wb") as f:
    f.write(buf.getvalue() + reg("evil.sh", b"")[0].tobuf(tarfile.PAX_FORMAT))
expect("names-after-end", "data after the end of the tar archive")
# control characters, backslashes, non-UTF-8: every reader reads these
# alike, and they are outside the layout
tar("names-control.tar", valid(renamed("messages/\x1b[2J" + ID + ".txt")))
expect("names-control", "unexpected entry 'messages/\\x1b[2J%s.txt' (no export" % ID)
tar("names-backslash.tar", valid(renamed("messages\\" + ID + ".txt")))
expect("names-backslash", "unexpected entry 'messages\\x5c%s.txt'" % ID)
for n in ("names-pax-nul", "names-pax-other", "names-pax-size", "names-pax-global",
          "names-gnu-long", "names-prefix", "names-after-end"):
    with open(os.path.join(HERE, n + ".tar"), "rb") as f:
        data = f.read()
    with open(os.path.join(HERE, "..", "..", "fuzz", "corpus", "archive", n + ".tar"), "wb") as f:
        f.write(data)

# zip names: the local header and the central directory must agree
def valid_zip(extra=b""):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, data in valid(lambda m: m):
            zi = zipfile.ZipInfo(info.name, (2025, 12, 2, 0, 0, 0))
            if info.name == MSG:
                zi.extra = extra
            z.writestr(zi, data)
    return out.getvalue()


def write(name, data, text):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    expect(name.replace(".zip", "-zip"), text)
    os.rename(os.path.join(HERE, name.replace(".zip", "-zip") + ".expect"),
              os.path.join(HERE, name + ".expect"))
    with open(os.path.join(HERE, "..", "..", "fuzz", "corpus", "archive", name), "wb") as f:
        f.write(data)


z = valid_zip()
other = MSG.replace("F2Z", "F2Y").encode()
i = z.index(MSG.encode())                  # the local header's name
write("names-zip-local.zip", z[:i] + other + z[i + len(MSG):],
      "is '%s' in its local header: readers would disagree" % other.decode())
write("names-zip-nul.zip", z.replace(MSG.encode(), MSG.encode()[:-4] + b"\0txt"),
      "has a NUL in its name")
up = MSG.replace("F2Z", "F2Y").encode()
write("names-zip-unicode.zip",
      valid_zip(b"\x75\x70" + (5 + len(up)).to_bytes(2, "little") + b"\x01\0\0\0\0" + up),
      "has a second name (Unicode Path)")
# a member that only a streaming reader sees, before the first listed one
hidden = io.BytesIO()
with zipfile.ZipFile(hidden, "w") as h:
    h.writestr(zipfile.ZipInfo("messages/01M8W5D8EV5X7ATQDYD4PJWJ07.txt", (2025, 12, 2, 0, 0, 0)), b"x")
h = hidden.getvalue()
h = h[:h.index(b"PK\1\2")]
zz = bytearray(h + z)
cd = zz.rindex(b"PK\5\6")
zz[cd + 16:cd + 20] = (int.from_bytes(zz[cd + 16:cd + 20], "little") + len(h)).to_bytes(4, "little")
pos = int.from_bytes(zz[cd + 16:cd + 20], "little")
while zz[pos:pos + 4] == b"PK\1\2":
    off = int.from_bytes(zz[pos + 42:pos + 46], "little") + len(h)
    zz[pos + 42:pos + 46] = off.to_bytes(4, "little")
    pos += 46 + sum(int.from_bytes(zz[pos + k:pos + k + 2], "little") for k in (28, 30, 32))
write("names-zip-hidden.zip", bytes(zz), "zip data between or under members")
