package mustuse

import (
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// directive is the text that suppresses a finding.
const directive = "//weftvet:ignore"

// ignore is one //weftvet:ignore comment.
type ignore struct {
	pos    token.Pos
	reason string
	used   bool
}

// ignores holds a package's directives by file name and line.
type ignores struct {
	at map[token.Position]*ignore // Filename and Line set, Column 0
	// list keeps source order for the unused-directive report.
	list []*ignore
}

func lineKey(p token.Position) token.Position {
	return token.Position{Filename: p.Filename, Line: p.Line}
}

// collectIgnores finds the directives of the pass's files. One without a
// reason is reported at once and suppresses nothing.
func collectIgnores(pass *analysis.Pass) *ignores {
	ig := &ignores{at: map[token.Position]*ignore{}}
	for _, f := range pass.Files {
		for _, group := range f.Comments {
			for _, cm := range group.List {
				rest, ok := strings.CutPrefix(cm.Text, directive)
				if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
					continue
				}
				// A further comment after the directive is not a reason.
				reason := strings.TrimSpace(rest)
				if reason == "" || strings.HasPrefix(reason, "//") {
					pass.Reportf(cm.Pos(), "%s needs a reason: %s <why this future or handle is dropped>", directive, directive)
					continue
				}
				d := &ignore{pos: cm.Pos(), reason: reason}
				ig.at[lineKey(pass.Fset.Position(cm.Pos()))] = d
				ig.list = append(ig.list, d)
			}
		}
	}
	return ig
}

// suppressed reports whether a directive on pos's line or the line above
// covers a finding at pos, and marks it used.
func (ig *ignores) suppressed(fset *token.FileSet, pos token.Pos) bool {
	key := lineKey(fset.Position(pos))
	for range 2 {
		if d := ig.at[key]; d != nil {
			d.used = true
			return true
		}
		key.Line--
	}
	return false
}

// reportUnused reports the directives that suppressed nothing.
func (ig *ignores) reportUnused(pass *analysis.Pass) {
	for _, d := range ig.list {
		if !d.used {
			pass.Reportf(d.pos, "%s suppresses nothing here: remove it", directive)
		}
	}
}
