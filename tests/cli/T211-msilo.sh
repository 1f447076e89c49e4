#!/bin/sh
# imstore import --from-msilo: the dump's form named (mysql -B, sqlite3's
# tabs and CSV), columns mapped by the header line, Kamailio's and
# OpenSER's tables, RFC 3261 user parts, all or nothing or --skip-bad,
# --dry-run.  The sqlite3 dumps are made by the real sqlite3 from
# Kamailio's schema; the mysql -B dumps are written by hand as MariaDB's
# documentation describes --batch (tab-separated, a header line, NULL,
# \\ \t \n \0 escaped): no MariaDB server is run here.
. "$(dirname "$0")/test-lib.sh"

command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3

# Kamailio's msilo table (utils/kamctl/db_sqlite/msilo-create.sql)
kamailio_silo () {
	sqlite3 "$1" "CREATE TABLE silo (id INTEGER PRIMARY KEY NOT NULL,
		src_addr VARCHAR(128) DEFAULT '' NOT NULL, dst_addr VARCHAR(128) DEFAULT '' NOT NULL,
		username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,
		inc_time INTEGER DEFAULT 0 NOT NULL, exp_time INTEGER DEFAULT 0 NOT NULL,
		snd_time INTEGER DEFAULT 0 NOT NULL, ctype VARCHAR(32) DEFAULT 'text/plain' NOT NULL,
		body BLOB, extra_hdrs TEXT, callid VARCHAR(128) DEFAULT '' NOT NULL,
		status INTEGER DEFAULT 0 NOT NULL);
		CREATE INDEX silo_account_idx ON silo (username, domain);"
}

# body OWNER MSGID: the stored bytes of that message
body () {
	imstore --store "$1" list --format json "msgid:$2" >m.json &&
	imstore --store "$1" show --raw "$(json_get id <m.json)"
}

# in the scratch directory: C:\new\table.txt, and a tab, a quote and a
# newline in a body
cat >rows.sql <<\SQL
INSERT INTO silo (id, src_addr, dst_addr, username, domain, inc_time, ctype, body, callid)
  VALUES (1, 'sip:a@x.org', 'sip:b@y.org', 'b', 'y.org', 1764700000, 'text/plain',
          'C:\new\table.txt', 'k-1');
INSERT INTO silo (id, src_addr, dst_addr, username, domain, inc_time, ctype, body, callid)
  VALUES (2, 'sip:a@x.org', 'sip:b@y.org', 'b', 'y.org', 1764700001, 'text/plain',
          'a' || char(9) || 'tab, a "quote"' || char(10) || 'and a newline', 'k-2');
SQL

test_expect_success SQLITE3 'setup: a Kamailio msilo table in sqlite3' '
	kamailio_silo silo.db &&
	sqlite3 silo.db <rows.sql &&
	printf "%s" "C:\\new\\table.txt" >expect1 && printf "a\ttab, a \"quote\"\nand a newline" >expect2 &&
	sqlite3 silo.db "SELECT body FROM silo WHERE id = 1" >got && printf "%s\n" "C:\\new\\table.txt" >e &&
	test_cmp e got && grep -c . expect1 >n && echo 1 >e && test_cmp e n
'

test_expect_success SQLITE3 'sqlite3 -csv -header: backslashes, a tab, a quote and a newline kept exactly' '
	sqlite3 -header -csv silo.db "SELECT * FROM silo" >silo.csv &&
	imstore --store csv init >/dev/null &&
	imstore --store csv import --from-msilo csv silo.csv >out &&
	grep "imported 2 messages" out &&
	body csv k-1 >got && test_cmp expect1 got &&
	body csv k-2 >got && test_cmp expect2 got
'

test_expect_success SQLITE3 'sqlite3 -separator TAB: backslashes kept, a row with a tab or newline refused, nothing stored' '
	sqlite3 -header -separator "$(printf "\t")" silo.db "SELECT * FROM silo" >silo.tabs &&
	imstore --store tabs init >/dev/null &&
	test_expect_code 65 imstore --store tabs import --from-msilo tabs silo.tabs 2>err &&
	grep "silo.tabs. line 3: 11 fields where the header has 13 (a tab or a newline in a value? the tabs form cannot hold one: dump with sqlite3 -csv): nothing imported" err &&
	imstore --store tabs list --count >got && echo 0 >e && test_cmp e got &&
	sqlite3 -header -separator "$(printf "\t")" silo.db "SELECT * FROM silo WHERE id = 1" >one.tabs &&
	imstore --store tabs import --from-msilo tabs one.tabs >out &&
	body tabs k-1 >got && test_cmp expect1 got
'

test_expect_success 'the form must be named: never guessed' '
	printf "1\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t0\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >any.tsv &&
	imstore --store g init >/dev/null &&
	test_expect_code 64 imstore --store g import --from-msilo any.tsv 2>err &&
	grep "unknown form .any.tsv. (expected mysql, tabs or csv)" err &&
	test_expect_code 64 imstore --store g import --from-msilo sqlite any.tsv 2>err &&
	imstore --store g list --count >got && echo 0 >e && test_cmp e got
'

test_expect_success 'mysql -B: columns mapped by the header line, in any order' '
	printf "id\tdst_addr\tsrc_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n" >swap.tsv &&
	printf "5\tsip:b@y.org\tsip:sender@x.org\tb\ty.org\t1764700000\t0\t0\ttext/plain\tC:\\\\\\\\new\\\\\\\\table.txt\tNULL\tm-5\t0\n" >>swap.tsv &&
	imstore --store my init >/dev/null &&
	imstore --store my import --from-msilo mysql swap.tsv >out &&
	imstore --store my list --format json msgid:m-5 >m.json &&
	grep "\"from\":{\"uri\":\"sip:sender@x.org\"" m.json &&
	json_get owner <m.json >got && echo sip:b@y.org >e && test_cmp e got &&
	body my m-5 >got && test_cmp expect1 got
'

test_expect_success 'a header that cannot be mapped is refused, naming the column' '
	printf "id\tsrc_addr\tdst_addr\tuser\tdomain\tinc_time\n1\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t0\n" >nouser.tsv &&
	test_expect_code 65 imstore --store my import --from-msilo mysql nouser.tsv 2>err &&
	grep "nouser.tsv. line 1: the header has no column .username.: the columns cannot be mapped" err &&
	python3 -c "print(\"\\t\".join([\"src_addr\"] + [\"x%d\" % i for i in range(70)]))" >wide.tsv &&
	test_expect_code 65 imstore --store my import --from-msilo tabs wide.tsv 2>err &&
	grep "wide.tsv. line 1: more than 64 fields: nothing imported" err &&
	printf "id\tsrc_addr\tsrc_addr\tusername\tdomain\n" >twice.tsv &&
	test_expect_code 65 imstore --store my import --from-msilo mysql twice.tsv 2>err &&
	grep "names column .src_addr. twice" err
'

test_expect_success 'OpenSER 10-column silo table: with a header or by position' '
	printf "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\n" >os.tsv &&
	printf "20\tsip:a@x.org\tsip:o@y.org\to\ty.org\t1764700000\t0\t0\ttext/plain\told one\n" >>os.tsv &&
	printf "21\tsip:a@x.org\tsip:o@y.org\to\ty.org\t1764700000\t0\t0\ttext/plain\tno header\n" >os2.tsv &&
	imstore --store os init >/dev/null &&
	imstore --store os import --from-msilo mysql os.tsv >out && grep "imported 1 message" out &&
	imstore --store os import --from-msilo mysql os2.tsv >out && grep "imported 1 message" out &&
	body os msilo-21 >got && printf "no header" >e && test_cmp e got
'

test_expect_success 'an RFC 3261 user part with ; and ? is accepted, as put accepts it' '
	printf "30\tsip:a@x.org\tsip:5551234;phone-context=+1212@ims.example.com\t5551234;phone-context=+1212\tims.example.com\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >semi.tsv &&
	printf "31\tsip:a@x.org\tNULL\tb?x\ty.org\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >>semi.tsv &&
	imstore --store u init >/dev/null &&
	imstore --store u import --from-msilo mysql semi.tsv >out && grep "imported 2 messages" out &&
	imstore --store u put --owner "sip:5551234;phone-context=+1212@ims.example.com" --from sip:a@x.org --deferred </dev/null >/dev/null 2>&1;
	imstore --store u list --count "owner:sip:5551234;phone-context=+1212@ims.example.com" >got &&
	test "$(cat got)" -ge 1
'

test_expect_success 'one refused row: all or nothing by default, --skip-bad stores the rest and lists it' '
	printf "40\tsip:a@x.org\tNULL\tgood\ty.org\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >mix.tsv &&
	printf "41\tsip:a@x.org\tNULL\ta b\ty.org\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >>mix.tsv &&
	printf "42\tsip:a@x.org\tNULL\tgood\ty.org\t1764700000\t0\t0\tNULL\ty\tNULL\tNULL\t0\n" >>mix.tsv &&
	printf "43\tsip:a@x.org\n" >>mix.tsv &&
	imstore --store s init >/dev/null &&
	test_expect_code 65 imstore --store s import --from-msilo mysql mix.tsv 2>err &&
	grep "mix.tsv. line 2 (msilo id 41): username .a b. would not form the address of one user (it has . .): nothing imported" err &&
	imstore --store s list --count >got && echo 0 >e && test_cmp e got &&
	imstore --store s import --from-msilo mysql --skip-bad mix.tsv >out 2>err &&
	grep "imported 2 messages from .mix.tsv. (0 already there, 0 expired, 2 skipped)" out &&
	grep "^imstore: skipped .mix.tsv. line 2 (msilo id 41): username .a b." err &&
	grep "^imstore: skipped .mix.tsv. line 4: 2 fields where the table has 13" err &&
	test_line_count = 2 err &&
	imstore --store s list --count owner:sip:good@y.org >got && echo 2 >e && test_cmp e got &&
	test_expect_code 64 imstore --store s import --skip-bad x.tar 2>err && grep "skip-bad" err
'

test_expect_success 'import --dry-run checks every row and stores nothing' '
	imstore --store d init >/dev/null &&
	imstore --store d import --from-msilo mysql --dry-run semi.tsv >out &&
	grep "would import 2 messages from .semi.tsv. (dry run, nothing stored, 0 expired)" out &&
	imstore --store d list --count >got && echo 0 >e && test_cmp e got &&
	test_expect_code 65 imstore --store d import --from-msilo mysql --dry-run mix.tsv 2>err &&
	grep "nothing imported" err
'

test_expect_success 'standard input is read whole before anything is stored' '
	imstore --store i init >/dev/null &&
	test_expect_code 65 imstore --store i import --from-msilo mysql - <mix.tsv 2>err &&
	grep ".-. line 2 (msilo id 41)" err &&
	imstore --store i list --count >got && echo 0 >e && test_cmp e got &&
	imstore --store i import --from-msilo mysql - <semi.tsv >out && grep "imported 2 messages" out
'

test_expect_success 'an empty dump says that nothing was found' '
	printf "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n" >empty.tsv &&
	test_expect_code 65 imstore --store d import --from-msilo mysql empty.tsv >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: no message found in '"'"'empty.tsv'"'"': nothing imported" >e && test_cmp e err &&
	: >none.tsv &&
	test_expect_code 65 imstore --store d import --from-msilo csv none.tsv 2>err &&
	grep "no message found" err &&
	test_expect_code 65 imstore --store d import --dry-run --from-msilo csv none.tsv 2>err &&
	grep "no message found" err
'

test_done
