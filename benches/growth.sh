#!/bin/sh
# Growth of whole processes with the estate's size: wall time and peak
# resident memory (GNU time) of `forecast` (one year, 2027, JSON out; and
# three years with YEARS3=1), `check` (every notification with its remedies
# priced) and `plan migrate` (the first commitment with an expiry ahead,
# JSON out), on `generate --seed 7` estates of both profiles. Criterion does
# not see memory and would take hours at the large sizes; this prints one
# Markdown table row per (profile, size).
#
# Run from the repository after `cargo build --release`:
#   benches/growth.sh                     # 1000 2000 4000 8000 20000 50000 100000
#   benches/growth.sh 2000 20000          # chosen sizes
#   TIMEOUT=60 benches/growth.sh          # give up on a command after 60 s
#   PROFILES=concentrated benches/growth.sh
#   CHECK=0 YEARS3=1 benches/growth.sh    # skip check; add the 3-year forecast
#   PLAN=0 benches/growth.sh              # skip plan migrate
set -u
BIN=${PTUDESK_BIN:-target/release/ptudesk}
TIMEOUT=${TIMEOUT:-120}
PROFILES=${PROFILES:-"spread concentrated"}
CHECK=${CHECK:-1}
PLAN=${PLAN:-1}
YEARS3=${YEARS3:-0}
SIZES=${*:-"1000 2000 4000 8000 20000 50000 100000"}
NOW=2027-01-01T00:00:00Z
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export PTUDESK_CONFIG="$TMP/config.toml"

# One measurement: "T s (CPU C s) / M MB", or "> TIMEOUT s" when it ran out of time.
measure() {
  if timeout "$TIMEOUT" /usr/bin/time -f "%e %M %U %S" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err"; then :; else
    code=$?
    if [ "$code" = 124 ]; then echo "> $TIMEOUT s"; return; fi
  fi
  # GNU time puts "Command exited with non-zero status N" (check's findings) first.
  # Wall time, the CPU time (user + system: what a busy machine inflates
  # less), peak resident memory.
  tail -n 1 "$TMP/time" | awk '{ printf "%.2f s (CPU %.2f s) / %d MB", $1, $3 + $4, $2 / 1024 }'
  if grep -q '^Error' "$TMP/err"; then printf ' (failed: %s)' "$(head -c 80 "$TMP/err")"; fi
}

printf '| profile | N | forecast 1 year | check | plan migrate |%s\n' "$( [ "$YEARS3" = 1 ] && echo ' forecast 3 years |')"
printf '|---|---|---|---|---|%s\n' "$( [ "$YEARS3" = 1 ] && echo '---|')"
for profile in $PROFILES; do
  for n in $SIZES; do
    f="$TMP/estate.json"
    "$BIN" generate --scale "$n" --seed 7 --profile "$profile" >"$f"
    year=$(measure "$BIN" --scenario "$f" --now "$NOW" forecast \
      --from 2027-01-01T00:00:00Z --to 2028-01-01T00:00:00Z --format json)
    chk="-"
    [ "$CHECK" = 1 ] && chk=$(measure "$BIN" --scenario "$f" --now "$NOW" check)
    plan="-"
    if [ "$PLAN" = 1 ]; then
      # The first commitment with an expiry left to plan around.
      cp=""
      for c in $(grep -o '"id": *"cp-[^"]*"' "$f" | head -n 20 | sed 's/.*"\(cp-[^"]*\)"/\1/'); do
        if "$BIN" --scenario "$f" --now "$NOW" plan migrate --commitment "$c" >/dev/null 2>&1; then
          cp=$c
          break
        fi
      done
      plan=$(measure "$BIN" --scenario "$f" --now "$NOW" plan migrate --commitment "$cp" --format json)
    fi
    row="| $profile | $n | $year | $chk | $plan |"
    if [ "$YEARS3" = 1 ]; then
      three=$(measure "$BIN" --scenario "$f" --now "$NOW" forecast \
        --from 2027-01-01T00:00:00Z --to 2030-01-01T00:00:00Z --format json)
      row="$row $three |"
    fi
    echo "$row"
  done
done
