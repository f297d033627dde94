#!/bin/sh
# demo.sh - `make demo`: scan the bundled synthetic sample dump (tests/fixtures/demo:
# CSV, JSON Lines, a MySQL dump, gzipped TSV, GB18030 text) and print the text report;
# the JSON report goes to build/demo-report.json.
set -e
bin=${1:-build/pitally}
"$bin" scan --json build/demo-report.json tests/fixtures/demo
echo
echo "JSON report: build/demo-report.json"
