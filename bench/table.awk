# Side-by-side table of the bench/ comparison scripts (compare.sh,
# io/compare.sh). Input lines: "column bench value unit", one per program
# run, pass and bench; several passes of a column give several values.
#
# Variables (awk -v):
#   cols     "key:label ..." in display order; keys absent from the input are left out
#   subject  the key whose ratios to the others are printed ("weft"); when it
#            is absent, fallback is used instead ("go")
#   fallback see subject
#   runs     number of passes; with more than one, a spread column follows
#
# A cell is the median of its values; a value that is not a number (STARVED,
# FAIL) is printed as it is. A ratio column "subject/other" divides the
# subject's cell by the other's. spread is (max-min)/median per column.
function median(s,   n, v, i, j, t) {
  n = split(s, v, " ")
  for (i = 1; i <= n; i++)
    for (j = i + 1; j <= n; j++)
      if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
  return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function word(s,   v) { split(s, v, " "); return v[1] }
function cell(k, b,   s, m) {
  s = vals[k, b]
  if (s == "") return "-"
  if (s ~ /[A-Za-z]/) return word(s)
  m = median(s)
  return (m < 100) ? sprintf("%.1f", m) : sprintf("%.0f", m)
}
function spread(k, b,   s, n, v, i, lo, hi, m) {
  s = vals[k, b]
  if (s == "" || s ~ /[A-Za-z]/) return "-"
  n = split(s, v, " ")
  if (n < 2) return "-"
  lo = hi = v[1] + 0
  for (i = 2; i <= n; i++) { if (v[i] + 0 < lo) lo = v[i] + 0; if (v[i] + 0 > hi) hi = v[i] + 0 }
  m = median(s)
  return (m > 0) ? sprintf("%.0f%%", 100 * (hi - lo) / m) : "-"
}
function ratio(a, b) {
  if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) return "-"
  return sprintf("%.2f", a / b)
}
{
  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
  vals[$1, $2] = (vals[$1, $2] == "" ? "" : vals[$1, $2] " ") $3
  unit[$2] = $4
  have[$1] = 1
}
END {
  ns = split(cols, spec, " ")
  nc = 0
  for (i = 1; i <= ns; i++) {
    split(spec[i], kv, ":")
    if (kv[1] in have) { nc++; col[nc] = kv[1]; label[kv[1]] = kv[2] }
  }
  subj = (subject in have) ? subject : fallback
  line = sprintf("%-28s %-7s", "bench", "unit")
  for (c = 1; c <= nc; c++) line = line sprintf(" %14s", label[col[c]])
  for (c = 1; c <= nc; c++) if (col[c] != subj) line = line sprintf(" %10s", subj "/" col[c])
  if (runs > 1) line = line "   spread"
  print line
  for (i = 1; i <= n; i++) {
    b = order[i]
    line = sprintf("%-28s %-7s", b, unit[b])
    for (c = 1; c <= nc; c++) line = line sprintf(" %14s", cell(col[c], b))
    for (c = 1; c <= nc; c++) if (col[c] != subj) line = line sprintf(" %10s", ratio(cell(subj, b), cell(col[c], b)))
    if (runs > 1) {
      sep = "   "
      for (c = 1; c <= nc; c++) { line = line sep spread(col[c], b); sep = "," }
    }
    print line
  }
}
