#!/bin/sh
# demo/run.sh IMSTORE - build ./demo-store from the sample messages and show
# what the main commands print.
set -eu
IMSTORE=${1:-build/imstore}
here=$(dirname "$0")
store=./demo-store
rm -rf "$store"
export IMSTORE_STORE="$store"
run() { echo "\$ imstore $*"; "$IMSTORE" "$@"; echo; }

run init
put() { "$IMSTORE" put "$@" > /dev/null; }
b="$here/bodies"
# deferred messages for Bob, who is offline
put --owner sip:bob@example.com --from '"Alice" <sip:alice@example.com>' \
    --to sip:bob@example.com --message-id 7c2a1f@alice --received 2026-11-20T08:15:02Z \
    --expires 72h --type 'text/plain;charset=utf-8' \
    --subject Lunch --header 'P-Asserted-Identity: <sip:alice@example.com>' "$b/01.txt"
put --owner sip:bob@example.com --from '"Carol" <sip:carol@example.net>' \
    --to sip:bob@example.com --message-id 9f31@carol --received 2026-11-20T09:40:11Z \
    --expires 72h "$b/02.txt"
put --owner 'sip:bob@EXAMPLE.com;transport=tcp' --from sip:alice@example.com \
    --to sip:bob@example.com --message-id 7c2a1f@alice "$b/01.txt"   # a retransmission
put --owner sip:bob@example.com --from '"Dave" <tel:+1-212-555-0100>' \
    --to sip:bob@example.com --message-id d4@dave --received 2026-11-21T17:02:40Z \
    --expires 72h --mode large --type image/png --subject 'Whiteboard' "$b/04.png"
# real payloads: a Message/CPIM body and a raw SIP MESSAGE request
"$IMSTORE" put --cpim "$here/payloads/erin.cpim" --received 2026-11-21T20:45:11Z > /dev/null
"$IMSTORE" put --sip "$here/payloads/frank.sip" --received 2026-11-22T06:02:01Z > /dev/null
"$IMSTORE" put --sip "$here/payloads/frank.sip" > /dev/null   # retransmitted
# Alice's conversation history: a session and pager messages
for n in 05 06 07; do
	put --owner sip:alice@example.com --folder history --mode session \
	    --from sip:alice@example.com --to sip:carol@example.net \
	    --conversation sess-5521@im.example.com --message-id "h$n@alice" \
	    --received "2026-11-19T10:$n:00Z" --subject 'Slides' "$b/$n.txt"
done
put --owner sip:alice@example.com --folder history --from sip:bob@example.com \
    --to sip:alice@example.com --message-id h08@bob --received 2026-11-21T07:30:00Z \
    --type 'text/plain;charset=utf-8' --subject "$(printf 'R\303\251union')" "$b/08.txt"
put --owner sip:alice@example.com --folder history --from sip:alice@example.com \
    --to sip:bob@example.com --cc sip:carol@example.net --message-id h03@alice \
    --received 2026-11-20T12:00:00Z "$b/03.txt"

run list
run list owner:sip:bob@example.com folder:deferred --explain
run list 'type:image/*'
id=$("$IMSTORE" list --limit 1 msgid:7c2a1f@alice | cut -f1)
run show "$id"
run list --format json conversation:sess-5521@im.example.com --limit 1
# the IM server's functions: Bob registers again
run deferred summary sip:bob@example.com --format xml
run settings get sip:bob@example.com
run deferred on-register sip:bob@example.com
run stats
# a compliance export of Alice's history, checked as a recipient would
rm -f ./demo-export.tar.gz
run export -o ./demo-export.tar.gz owner:sip:alice@example.com folder:history
run verify-archive ./demo-export.tar.gz
