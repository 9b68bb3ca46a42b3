package gen

import "go/ast"

// The lowered form of a marked function: a flat list of instructions in
// which every statement that contains an await has been replaced by labels,
// conditional gotos and the awaits themselves, and every other statement is
// kept whole. Its text is produced at emission time, once liveness has said
// which variables are fields.

type instrKind uint8

const (
	iStmt     instrKind = iota // a statement kept whole, or a generated one
	iLabel                     // a label
	iGoto                      // goto label
	iIf                        // if cond { goto label }
	iDispatch                  // a switch whose cases goto labels
	iAwait                     // an await: create the child, suspend until it is ready, assign its value
	iReturn                    // a return statement (its text ends in goto ret)
)

type instr struct {
	kind  instrKind
	label string        // iLabel: its name; iGoto, iIf: the target; iStmt: a user label on the statement
	text  func() string // iStmt, iReturn: the statement; iIf: the condition; iDispatch: the switch
	uses  []*hvar
	defs  []*hvar
	jumps []string // labels control may go to besides the next instruction
	term  bool     // control never falls through to the next instruction
	aw    *awaitInstr
	node  ast.Node                         // iIf: the condition, for its closures
	cond  func(ov map[*hvar]string) string // iIf: the condition
}

// awaitInstr is one await point.
type awaitInstr struct {
	k      int // its number, from 1: the pc while suspended at it
	ch     *child
	call   *ast.CallExpr
	create func(ov map[*hvar]string) string // assigns the child
	assign func() string                    // uses the value (named by compiler.v); "" for none
	uses   []*hvar                          // read by create
	luses  []*hvar                          // read by assign
	ldefs  []*hvar                          // written by assign
	label  string                           // the resume label
	line   string                           // file:line for traces
	live   []*hvar                          // live while suspended here (set by liveness)
}

func (c *compiler) emitInstr(in instr) { c.instrs = append(c.instrs, in) }

func (c *compiler) emitLabel(name string) { c.emitInstr(instr{kind: iLabel, label: name}) }

func (c *compiler) emitGoto(name string) { c.emitInstr(instr{kind: iGoto, label: name, term: true}) }
