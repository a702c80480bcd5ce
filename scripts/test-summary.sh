#!/bin/sh
# Counts the tests of each tier from the Surefire and Failsafe reports and fails when a root or
# end-to-end test was skipped or when a tier ran nothing.
set -eu
cd "$(dirname "$0")/.."
count() { # pattern -> "tests failures errors skipped"
    t=0; f=0; e=0; s=0
    for x in $(find . -path "*/target/$1" 2>/dev/null); do
        line=$(grep -o '<testsuite [^>]*>' "$x" | head -n 1)
        get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
        t=$((t + $(get tests))); f=$((f + $(get failures))); e=$((e + $(get errors))); s=$((s + $(get skipped)))
    done
    echo "$t $f $e $s"
}
rc=0
total_pass=0; total_fail=0
for tier in "unit:surefire-reports/TEST-*.xml" "root:failsafe-reports/TEST-*RootIT.xml" "e2e:failsafe-reports/TEST-*E2EIT.xml"; do
    name=${tier%%:*}; pattern=${tier#*:}
    set -- $(count "$pattern")
    pass=$(($1 - $2 - $3 - $4)); fail=$(($2 + $3))
    echo "tier $name: $pass passed, $fail failed, $4 skipped ($1 run)"
    total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
    if [ "$name" != unit ] && [ "$4" -gt 0 ]; then echo "FAIL: $4 $name tests were skipped" >&2; rc=1; fi
    if [ "$1" -eq 0 ]; then echo "FAIL: no $name tests ran" >&2; rc=1; fi
done
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] || rc=1
exit $rc
