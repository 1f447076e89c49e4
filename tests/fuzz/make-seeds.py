#!/usr/bin/env python3
"""make-seeds.py - write the seed corpora of the XML and text targets
(settings, urilist, imdn, manifest, msilo, time): valid documents from the
tests, the man pages and an export, and hostile ones (DOCTYPE, entities,
deep nesting, huge attributes, invalid UTF-8, other encodings declared or
marked).  Run from anywhere: python3 tests/fuzz/make-seeds.py
Files found by libFuzzer (regress-*, found-*) are kept, not rewritten."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def hostile(target, root_open, root_close, inner_ok):
    """the attacks every XML reader must refuse, around a valid document"""
    body = root_open + inner_ok + root_close
    lol = ('<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    cases = {
        "bad-doctype-internal": DECL + '<!DOCTYPE r []>' + body,
        "bad-doctype-external": DECL + '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd">' + body,
        "bad-entity-external": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                               + root_open + "&x;" + root_close,
        "bad-entity-parameter": '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]>' + body,
        "bad-billion-laughs": lol + root_open + "&c;&c;&c;" + root_close,
        "bad-undeclared-entity": root_open + "&x;" + root_close,
        "bad-deep-nesting": root_open + '<x:a xmlns:x="urn:o">' * 40 + "</x:a>" * 40 + root_close,
        "bad-huge-attribute": root_open + '<x:a xmlns:x="urn:o" b="' + "A" * 70000 + '"/>' + root_close,
        "bad-invalid-utf8": DECL.encode() + root_open.encode() + b"<x:a xmlns:x=\"urn:o\">\xc3\x28\xff</x:a>"
                            + root_close.encode(),
        "bad-nul": root_open.encode() + b"\0" + root_close.encode(),
        "bad-utf16-bom": ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16"),
        "bad-utf16be-nobom": ('<?xml version="1.0"?>' + body).encode("utf-16-be"),
        "bad-utf16le-doctype": ('<!DOCTYPE r []>' + body).encode("utf-16-le"),
        "bad-utf32-bom": ('<?xml version="1.0" encoding="UTF-32"?>' + body).encode("utf-32"),
        "bad-ebcdic": ('<?xml version="1.0" encoding="IBM037"?><!DOCTYPE r []>' + body).encode("cp037"),
        "bad-utf7-doctype": '<?xml version="1.0" encoding="UTF-7"?>'
                            + ('<!DOCTYPE r [<!ENTITY x "y">]>' + body).replace("<!", "+ADwAIQ-"),
        "bad-utf7": "<?xml version='1.0' encoding='utf-7'?>" + body,
        "bad-latin1": '<?xml version="1.0" encoding = "ISO-8859-1" ?>'.encode() + body.encode("latin-1"),
        "bad-decl-unquoted": '<?xml version="1.0" encoding=UTF-7?>' + body,
        "bad-not-well-formed": root_open + inner_ok,
        "bad-xinclude": root_open + '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                        'href="file:///etc/passwd" parse="text"/>' + inner_ok + root_close,
        "ok-utf8-bom": b"\xef\xbb\xbf" + (DECL + body).encode(),
        "ok-utf8-lowercase": '<?xml version="1.0" encoding="utf-8" standalone="yes"?>' + body,
        "ok-comment-cdata": "<!-- a comment -->" + root_open + "<![CDATA[ <x> ]]>" + inner_ok + root_close,
    }
    for name, data in cases.items():
        put(target, name + ".xml", data)


# ---- settings
S_NS = "urn:oma:xml:im:service-settings"
S_OPEN = '<im-settings xmlns="%s">' % S_NS
full = (DECL + S_OPEN + "\n"
        '  <deferred-settings>\n    <offline-delivery active="true"/>\n  </deferred-settings>\n'
        '  <history-settings>\n    <session-mode active="false"/>\n'
        '    <pager-mode active="true"/>\n  </history-settings>\n'
        '  <barring-settings>\n    <incoming-session active="false"/>\n'
        '    <incoming-pager active="false"/>\n  </barring-settings>\n'
        '  <invisibility active="false"/>\n</im-settings>\n')
put("settings", "ok-full.xml", full)
put("settings", "ok-partial.xml", S_OPEN + '<history-settings><pager-mode active="true"/>'
    '</history-settings></im-settings>')
put("settings", "ok-other-ns.xml", S_OPEN + '<x:ext xmlns:x="urn:example:other"><x:y/></x:ext>'
    '<invisibility active="1"/></im-settings>')
put("settings", "ok-prefixed.xml", '<s:im-settings xmlns:s="%s"><s:barring-settings>'
    '<s:incoming-pager active="0"/></s:barring-settings></s:im-settings>' % S_NS)
put("settings", "ok-empty.xml", S_OPEN + "</im-settings>")
put("settings", "bad-unknown-element.xml", S_OPEN + '<colour active="true"/></im-settings>')
put("settings", "bad-leaf-out-of-place.xml", S_OPEN + '<pager-mode active="true"/></im-settings>')
put("settings", "bad-boolean.xml", S_OPEN + '<invisibility active="maybe"/></im-settings>')
put("settings", "bad-no-active.xml", S_OPEN + '<invisibility/></im-settings>')
put("settings", "bad-no-namespace.xml", '<im-settings/>')
put("settings", "bad-other-root.xml", '<resource-lists xmlns="%s"/>' % S_NS)
hostile("settings", S_OPEN, "</im-settings>", '<invisibility active="true"/>')

# ---- urilist
RL = '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">'
put("urilist", "ok-man.xml", DECL + RL + '\n  <list>\n    <entry uri="5c7f21@alice.example.com"/>\n'
    '    <entry uri="a83kd0@alice.example.com"><display-name>2nd</display-name></entry>\n'
    '  </list>\n</resource-lists>\n')
put("urilist", "ok-nested.xml", RL + '<list><entry uri="m1"/><list name="x"><entry uri="m2"/>'
    '<list><entry uri="m3"/></list></list><entry-ref ref="x"/><external anchor="y"/></list>'
    '<list><entry uri="m&amp;4&#9;&#10;&lt;"/></list></resource-lists>')
put("urilist", "ok-empty.xml", RL + "</resource-lists>")
put("urilist", "ok-prefixed.xml", '<rl:resource-lists xmlns:rl="urn:ietf:params:xml:ns:resource-lists">'
    '<rl:list><rl:entry uri="sip:bob@example.com"/><entry uri="ignored"/></rl:list></rl:resource-lists>')
put("urilist", "ok-utf8.xml", RL + '<list><entry uri="caf\u00e9-\U0001F600@example.com"/></list></resource-lists>')
put("urilist", "bad-entry-no-uri.xml", RL + '<list><entry/></list></resource-lists>')
put("urilist", "bad-root.xml", '<resource-lists><list><entry uri="m1"/></list></resource-lists>')
put("urilist", "bad-10001-entries.xml", RL + "<list>" + '<entry uri="m"/>' * 10001 + "</list></resource-lists>")
hostile("urilist", RL + "<list>", "</list></resource-lists>", '<entry uri="m1"/>')

# ---- imdn
IM = '<imdn xmlns="urn:ietf:params:xml:ns:imdn">'
head = "<message-id>34jk324j</message-id><datetime>2008-04-04T12:16:49-05:00</datetime>"
put("imdn", "ok-rfc5438.xml", DECL + IM + "\n  <message-id>34jk324j</message-id>\n"
    "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "  <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "  <original-recipient-uri>im:bob@example.com</original-recipient-uri>\n"
    "  <delivery-notification>\n    <status>\n      <delivered/>\n    </status>\n"
    "  </delivery-notification>\n</imdn>\n")
for kind, status in (("delivery", "failed"), ("display", "displayed"), ("processing", "processed"),
                     ("processing", "stored"), ("delivery", "forbidden"), ("display", "error")):
    put("imdn", "ok-%s-%s.xml" % (kind, status), IM + head + "<%s-notification><status><%s/></status>"
        "</%s-notification></imdn>" % (kind, status, kind))
put("imdn", "ok-subject-fraction.xml", IM + "<message-id>a&amp;b</message-id>"
    "<datetime>2024-02-29T23:59:59.123456Z</datetime><subject>caf\u00e9 &lt;x&gt;</subject>"
    "<display-notification><status><displayed/></status></display-notification></imdn>")
put("imdn", "ok-rcs-extension.xml", IM + head + '<display-notification><status><displayed/>'
    '</status></display-notification><x:y xmlns:x="urn:gsma:params:xml:ns:rcs"/></imdn>')
put("imdn", "bad-status-mismatch.xml", IM + head + "<display-notification><status><delivered/>"
    "</status></display-notification></imdn>")
put("imdn", "bad-no-message-id.xml", IM + "<datetime>2008-04-04T12:16:49Z</datetime>"
    "<delivery-notification><status><delivered/></status></delivery-notification></imdn>")
put("imdn", "bad-datetime.xml", IM + "<message-id>m</message-id><datetime>2023-02-29T00:00:00Z</datetime>"
    "<delivery-notification><status><delivered/></status></delivery-notification></imdn>")
put("imdn", "bad-two-kinds.xml", IM + head + "<delivery-notification><status><delivered/></status>"
    "</delivery-notification><display-notification><status><displayed/></status>"
    "</display-notification></imdn>")
hostile("imdn", IM + head, "<delivery-notification><status><delivered/></status>"
        "</delivery-notification></imdn>", "")

# ---- manifest: corpus/manifest/ok-export.xml is the manifest.xml of an
# `imstore export` (two messages, a transcript); the rest are made from it
with open(os.path.join(HERE, "corpus", "manifest", "ok-export.xml")) as f:
    real = f.read()
one = real.replace("<subject>", '<header name="P-Foo">bar</header>\n    <header name="X-B">a&amp;b</header>\n'
                   '    <delivered>2026-12-03T05:43:47Z</delivered>\n    <subject>')
put("manifest", "ok-headers.xml", one)
put("manifest", "ok-held-hidden.xml", real.replace('state="pending"', 'state="pending" held="true" hidden="true"'))
put("manifest", "bad-counts.xml", real.replace('messages="2" bytes', 'messages="3" bytes'))
put("manifest", "bad-truncated.xml", real[: real.index("<counts")])
put("manifest", "bad-to-after-cc.xml", real.replace('<cc uri="tel:+12125550100"/>',
                                                     '<cc uri="tel:+12125550100"/><to uri="sip:x@y"/>'))
put("manifest", "bad-time.xml", real.replace("2030-01-01T00:00:00Z", "2030-02-30T00:00:00Z"))
put("manifest", "bad-id.xml", real.replace('id="01M8X6W5S0NSD82QBVA9KN4S8H"', 'id="nope"'))
put("manifest", "bad-version.xml", real.replace('version="1"', 'version="2"'))
put("manifest", "bad-unexpected.xml", real.replace("<owner>", "<colour/><owner>", 1))
put("manifest", "bad-file-kind.xml", real.replace('file="messages/', 'file="transcripts/', 1))
mf_open = real[: real.index("<message ")]
hostile("manifest", mf_open, '<counts messages="0" bytes="0" transcripts="0"/>\n</manifest>\n', "")

# ---- msilo (tab-separated rows, mysql -B escapes)
H = "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n"
def row(*c):
    return "\t".join(c) + "\n"
put("msilo", "ok-mysql.tsv", H + row("1", "sip:a@x.org", "sip:b@y.org", "b", "y.org", "1764700000", "0", "0",
    "text/plain", "line1\\nline2\\ttab\\\\ \\0nul", "P-Foo: bar\\r\\nX-B: c\\r\\n", "call-1", "0")
    + row("2", "sip:a@x.org", "sip:b@y.org", "b", "y.org", "1764700000", "1000", "0", "text/plain", "old",
          "NULL", "NULL", "0"))
put("msilo", "ok-sqlite.tsv", row("10", "sip:q@x.org", "sip:r@y.org", "r", "y.org", "1764700000", "0", "0",
    "text/plain", "from sqlite", "", "sq-1", "0"))
put("msilo", "ok-crlf-ipv6.tsv", row("3", "sip:a@x.org", "NULL", "b.o%41-_~!*()&=+$,/", "[2001:db8::1]",
    "NULL", "NULL", "0", "NULL", "", "NULL", "NULL", "0").replace("\n", "\r\n"))
for n, (u, d) in enumerate((("alice@evil.org;x", "example.com"), ("bob:secret", "y.org"), ("b>", "y.org"),
                            ("a b", "y.org"), ("b\x01", "y.org"), ("b", "y.org;lr"), ("b", "y.org:5060"),
                            ("b", "[::1"), ("b", "y.org@evil.org"), ("b\u00e9", "y.org"), ("b%4", "y.org"))):
    put("msilo", "bad-address-%02d.tsv" % n, row(str(n), "sip:a@x.org", "sip:b@y.org", u, d, "1764700000",
        "0", "0", "NULL", "x", "NULL", "NULL", "0"))
put("msilo", "bad-columns.tsv", "7\tsip:a@x.org\n")
put("msilo", "bad-wide-header.tsv", "\t".join(["src_addr"] + ["x%d" % i for i in range(70)]) + "\n")
put("msilo", "ok-csv.tsv", H.replace("\t", ",") + '1,sip:a@x.org,sip:b@y.org,b,y.org,1764700000,0,0,text/plain,'
    '"a\ttab, a ""quote""\nand a newline",,k-2,0\r\n')
put("msilo", "ok-openser.tsv", row("20", "sip:a@x.org", "sip:o@y.org", "o", "y.org", "1764700000", "0", "0",
    "text/plain", "C:\\new\\table.txt"))
put("msilo", "bad-time.tsv", row("4", "sip:a@x.org", "sip:b@y.org", "b", "y.org", "99999999999999", "0", "0",
    "NULL", "x", "NULL", "NULL", "0"))
put("msilo", "bad-missing.tsv", row("NULL", "sip:a@x.org", "sip:b@y.org", "b", "y.org", "1", "0", "0",
    "NULL", "x", "NULL", "NULL", "0"))

# ---- time (filter dates and durations, command times and sizes, DateTime,
# ids, names)
for n, s in enumerate(("2024-02-29", "2024-03-01T12:00", "2024-03-01T12:00:30.5Z", "2024-03-01t12:00:30+05:30",
                       "2023-02-29", "0001-01-01", "9999-12-31T23:59:59.999999Z", "10000-01-01", "today",
                       "yesterday", "2024-01-01..2024-02-01", "..2024-01-01", "2024-01-01..", "..",
                       "<2024-01-01", ">=2024-01-01T00:00Z", ">2024-01-01", "2024-02-01..2024-01-01",
                       "1h30m", "1w2d3h4m5s", "999999999999w", "0s", "now", "72h", "100000000w",
                       "20000000w", "1k", "64M", "3G", "18446744073709551615", "18446744073709551615k",
                       "-1", " 5", "2008-04-04T12:16:49-05:00", "2008-04-04 12:16:49Z",
                       "2008-04-04T23:59:60Z", "1985-04-12T23:20:50.52Z", "01M8X6W5S0NSD82QBVA9KN4S8H",
                       "01m8x6w5s0nsd82qbva9kn4s8h", "0IL8X6W5S0NSD82QBVA9KN4S8H", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
                       "deferred", "HISTORY", "pager", "session", "large", "stored", "pending",
                       "delivering", "delivered", "failed", "",
                       "sip:bob@example.com", '"Bob" <sip:Bob@EXAMPLE.com;transport=tcp>',
                       "tel:+1-212-555-0100", "tel:5550100;phone-context=example.com",
                       "im:alice@[2001:db8::1]:5060", "sips:%61lice:pw@host?x=y", "pres:x@y",
                       "sip:%40@x", "Sat, 13 Nov 2010 23:29:00 GMT", "Mon, 29 Feb 2021 00:00:00 GMT")):
    put("time", "seed-%02d" % n, s)
