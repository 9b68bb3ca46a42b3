package gen

// Liveness: which kept variables must survive a suspension. A variable is
// live at a point when some path from there reads it before writing it
// whole. The variables live while suspended at an await (after its future
// was created, before its value is assigned) become fields of the frame;
// every other kept variable is a local of step, fresh at every poll. The
// parameters (live from the constructor to the first poll), the results of
// a function that defers (read by the epilogue and by a deferred call that
// recovers) and variables declared once and captured are fields anyway.

// bits is a set of variable indexes.
type bits []uint64

func newBits(n int) bits { return make(bits, (n+63)/64) }

func (b bits) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bits) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// labelIndex maps each label to the instruction it marks; the return label
// marks the end (the epilogue).
func (c *compiler) labelIndex() map[string]int {
	at := map[string]int{c.retLabel: len(c.instrs)}
	for i, in := range c.instrs {
		if (in.kind == iLabel || in.kind == iStmt) && in.label != "" {
			at[in.label] = i
		}
		if in.kind == iAwait {
			at[in.aw.label] = i
		}
	}
	return at
}

// succs returns the instructions control may go to after instruction i
// (len(c.instrs) is the epilogue).
func (c *compiler) succs(i int, at map[string]int) []int {
	in := c.instrs[i]
	var out []int
	if !in.term {
		out = append(out, i+1)
	}
	switch in.kind {
	case iGoto, iIf:
		out = append(out, at[in.label])
	}
	for _, j := range in.jumps {
		out = append(out, at[j])
	}
	return out
}

// liveness decides which kept variables are fields.
func (c *compiler) liveness() {
	var vars []*hvar
	for _, h := range c.order {
		if !h.field {
			h.idx = len(vars)
			vars = append(vars, h)
		} else {
			h.idx = -1
		}
	}
	n := len(c.instrs)
	at := c.labelIndex()
	w := (len(vars) + 63) / 64
	in := make([]bits, n+1)
	susp := make([]bits, n)
	for i := range in {
		in[i] = newBits(len(vars))
	}
	for i := range susp {
		susp[i] = newBits(len(vars))
	}
	succ := make([][]int, n)
	for i := range c.instrs {
		succ[i] = c.succs(i, at)
	}
	out := newBits(len(vars))
	for changed := true; changed; {
		changed = false
		for i := n - 1; i >= 0; i-- {
			for k := range out {
				out[k] = 0
			}
			for _, s := range succ[i] {
				for k := 0; k < w; k++ {
					out[k] |= in[s][k]
				}
			}
			ins := c.instrs[i]
			var next bits
			if ins.kind == iAwait {
				next = transfer(out, ins.aw.luses, ins.aw.ldefs)
				copy(susp[i], next)
				next = transfer(next, ins.aw.uses, nil)
			} else {
				next = transfer(out, ins.uses, ins.defs)
			}
			for k := 0; k < w; k++ {
				if next[k] != in[i][k] {
					in[i][k] = next[k]
					changed = true
				}
			}
		}
	}
	for i, ins := range c.instrs {
		if ins.kind != iAwait {
			continue
		}
		for _, h := range vars {
			if susp[i].has(h.idx) {
				h.field = true
				ins.aw.live = append(ins.aw.live, h)
			}
		}
	}
	for _, h := range vars {
		if h.field {
			want := h.name
			if h.kind == varLocal {
				want = h.obj.Name()
			}
			h.name = c.fieldName(want)
		}
	}
}

// transfer returns uses ∪ (out − defs).
func transfer(out bits, uses, defs []*hvar) bits {
	r := make(bits, len(out))
	copy(r, out)
	for _, d := range defs {
		if d.idx >= 0 {
			r[d.idx/64] &^= 1 << (d.idx % 64)
		}
	}
	for _, u := range uses {
		if u.idx >= 0 {
			r.set(u.idx)
		}
	}
	return r
}

// reachable marks the instructions control can reach: from the start and
// from every await's resume label; the last element is the epilogue.
func (c *compiler) reachable() []bool {
	at := c.labelIndex()
	seen := make([]bool, len(c.instrs)+1)
	var stack []int
	push := func(i int) {
		if !seen[i] {
			seen[i] = true
			stack = append(stack, i)
		}
	}
	push(0)
	for _, aw := range c.awaits {
		push(at[aw.label])
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i == len(c.instrs) {
			continue
		}
		for _, s := range c.succs(i, at) {
			push(s)
		}
	}
	return seen
}
