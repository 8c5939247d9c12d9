#!/usr/bin/env bash
# Every relative markdown link target in README.md and docs/*.md must exist (anchors: the heading must exist).
set -eu
fail=0
for f in README.md docs/*.md; do
  dir=$(dirname "$f")
  # [text](target) and ![alt](target), skipping absolute URLs
  for t in $(grep -o -E '\]\([^)[:space:]]+\)' "$f" | sed -E 's/^\]\((.*)\)$/\1/' | grep -v -E '^(https?|mailto):'); do
    path=${t%%#*}; anchor=""; [[ "$t" == *"#"* ]] && anchor=${t#*#}
    target="$f"; [ -n "$path" ] && target="$dir/$path"
    if [ ! -e "$target" ]; then echo "$f: missing $t"; fail=1; continue; fi
    if [ -n "$anchor" ]; then
      found=$(grep -E '^#+ ' "$target" | sed -E 's/^#+ //' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g' | grep -c -x -- "$anchor" || true)
      [ "$found" -gt 0 ] || { echo "$f: missing anchor $t"; fail=1; }
    fi
  done
done
[ $fail -eq 0 ] && echo "all links resolve"
exit $fail
